#include "identity_helpers.hpp"

#include <chrono>
#include <stdexcept>

#include "trailpack/bundle/course.hpp"
#include "trailpack/time.hpp"

namespace trailpack::test {

using nlohmann::json;
namespace crypto = server::crypto;

Api call(TestServer& srv, const std::string& method, const std::string& path, const std::string& token, const json& body) {
  std::map<std::string, std::string> h;
  if (!token.empty()) h["authorization"] = "Bearer " + token;
  if (!body.is_null()) h["content-type"] = "application/json";
  auto res = srv.request(method, path, body.is_null() ? std::string() : body.dump(), h);
  Api out;
  out.status = res.status;
  out.raw = res.body;
  out.content_type = res.headers.count("content-type") ? res.headers.at("content-type") : "";
  out.body = json::parse(res.body, nullptr, false);
  if (out.body.is_discarded()) out.body = nullptr;
  return out;
}

void publish_course(TestServer& srv, const std::string& course_id, const std::string& title, int cold_delay_days) {
  auto files = demo_course_files();
  json course = json::parse(files.at("course.json"));
  course["id"] = course_id;
  course["title"] = title;
  if (cold_delay_days >= 0) {
    course["modules"][0]["items"].push_back(
        {{"id", "follow-up"}, {"type", "survey"}, {"title", "One month later"}, {"required", false}, {"file", "surveys/cold.json"}});
    files["surveys/cold.json"] =
        json{{"role", "cold"},
             {"delay_days", cold_delay_days},
             {"survey", {{{"id", "applied"}, {"type", "rating"}, {"prompt", "How often have you applied it?"}, {"scale", 5}}}}}
            .dump();
  }
  files["course.json"] = course.dump(2);
  const auto key = crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "test publisher " + course_id);
  auto h = TestServer::bearer(srv.admin_token());
  h["content-type"] = "application/octet-stream";
  auto res = srv.post("/api/v1/bundles", build_bundle(files, key), h);
  if (res.status != 201) throw std::runtime_error("publishing " + course_id + " failed: " + res.body);
}

std::vector<json> completing(const Device& d, const std::string& course_id, std::int64_t at_ms, std::uint64_t first, char ns) {
  const std::string ts = format_timestamp(at_ms);
  json a = item_statement(d, uuid_n(first, ns), course_id, "welcome", "http://adlnet.gov/expapi/verbs/experienced");
  json b = item_statement(d, uuid_n(first + 1, ns), course_id, "ppe", "http://adlnet.gov/expapi/verbs/experienced");
  json q = item_statement(d, uuid_n(first + 2, ns), course_id, "check", "http://adlnet.gov/expapi/verbs/passed");
  q["result"] = {{"score", {{"scaled", 1.0}}}, {"success", true}, {"completion", true}};
  q["context"] = {{"extensions", {{"urn:trailpack:ext:attempt", "attempt-" + std::to_string(first)}}}};
  for (json* s : {&a, &b, &q}) (*s)["timestamp"] = ts;
  return {a, b, q};
}

std::string make_group(TestServer& srv, const std::string& token, const std::string& name, const std::string& parent) {
  json body = {{"name", name}};
  if (!parent.empty()) body["parent_id"] = parent;
  auto r = call(srv, "POST", "/api/v1/admin/groups", token, body);
  if (r.status != 201) throw std::runtime_error("creating group " + name + " failed: " + r.raw);
  return r.body["id"];
}

void add_members(TestServer& srv, const std::string& token, const std::string& group, const std::vector<std::string>& users) {
  auto r = call(srv, "POST", "/api/v1/admin/groups/" + group + "/members", token, {{"user_ids", users}});
  if (r.status != 200) throw std::runtime_error("adding members failed: " + r.raw);
}

void add_manager(TestServer& srv, const std::string& token, const std::string& group, const std::string& manager_id) {
  auto r = call(srv, "POST", "/api/v1/admin/groups/" + group + "/managers", token, {{"user_id", manager_id}});
  if (r.status != 200) throw std::runtime_error("adding a manager failed: " + r.raw);
}

std::string assign(TestServer& srv, const std::string& token, const json& body) {
  auto r = call(srv, "POST", "/api/v1/admin/assignments", token, body);
  if (r.status != 201) throw std::runtime_error("assigning failed: " + r.raw);
  return r.body["id"];
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace trailpack::test
