#include "device.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "app/app.hpp"
#include "server_process.hpp"
#include "trailpack/bundle/course.hpp"
#include "trailpack/crypto/sha256.hpp"
#include "trailpack/progress/projection.hpp"

namespace trailpack::faults {

nlohmann::json experienced_statement(const std::string& home_page, const std::string& user_id, const std::string& prefix,
                                     int n, const std::string& object_id) {
  char id[64];
  std::snprintf(id, sizeof id, "%s-0000-4000-8000-%012d", prefix.c_str(), n);
  return {{"id", id},
          {"actor", {{"objectType", "Agent"}, {"account", {{"homePage", home_page}, {"name", user_id}}}}},
          {"verb", {{"id", "http://adlnet.gov/expapi/verbs/experienced"}, {"display", {{"en-US", "experienced"}}}}},
          {"object", {{"objectType", "Activity"}, {"id", object_id}}},
          {"timestamp", "2026-11-22T10:00:00.000Z"}};
}

using nlohmann::json;
namespace fs = std::filesystem;

// ---------------------------------------------------------------- SyncClient

void SyncClient::enroll(const std::string& code, const std::string& device_name) {
  auto res = server::http_request("POST", url_ + "/api/v1/auth/enroll", json{{"code", code}, {"device_name", device_name}}.dump(),
                                  {{"content-type", "application/json"}}, 30);
  if (res.status != 200) throw std::runtime_error("enroll failed: " + std::to_string(res.status) + " " + res.body);
  const json j = json::parse(res.body);
  access_ = j["access_token"];
  refresh_ = j["refresh_token"];
  device_id_ = j["device_id"];
  user_id_ = j["user"]["id"];
  name_ = j["user"]["name"];
  home_page_ = j["home_page"];
}

bool SyncClient::refresh() {
  auto res = server::http_request("POST", url_ + "/api/v1/auth/refresh", json{{"refresh_token", refresh_}}.dump(),
                                  {{"content-type", "application/json"}}, 30);
  if (res.status != 200) return false;
  const json j = json::parse(res.body);
  access_ = j["access_token"];
  refresh_ = j["refresh_token"];
  ++refreshes_;
  return true;
}

server::ClientResponse SyncClient::post(const std::string& path, const json& body) {
  auto send = [&] {
    return server::http_request("POST", url_ + path, body.dump(),
                                {{"content-type", "application/json"}, {"authorization", "Bearer " + access_}}, 30);
  };
  auto res = send();
  if (res.status == 401 && refresh()) res = send();
  return res;
}

SyncClient::PushResult SyncClient::push(const std::vector<json>& statements) {
  PushResult out;
  auto res = post("/api/v1/sync/push", {{"protocol", 1}, {"device_id", device_id_}, {"statements", statements}});
  out.status = res.status;
  if (res.status != 200) return out;
  out.body = json::parse(res.body);
  for (const auto& r : out.body["results"])
    if (r["status"] == "stored" || r["status"] == "duplicate") out.acked.push_back(r["id"]);
  return out;
}

// ---------------------------------------------------------------- NativeDevice

NativeDevice::NativeDevice(const fs::path& dir, const std::string& name, const std::string& server_url,
                           std::int64_t clock_offset_ms)
    : name_(name), db_(dir / (name + ".db")), offset_(std::make_shared<std::int64_t>(clock_offset_ms)), client_(server_url) {
  auto store = player::Store::open({.path = db_.string()});
  if (!store) throw std::runtime_error("cannot open the device store: " + store.error().describe());
  player::Platform platform = player::default_platform();
  auto offset = offset_;
  platform.now = [offset] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count() +
           *offset;
  };
  engine_ = std::make_unique<player::Engine>(std::move(store).value(), platform);
}

json NativeDevice::call(const std::string& method, const json& args) {
  auto r = engine_->call(method, args);
  if (!r) throw DeviceError(name_ + ": " + method + " failed: " + r.error().describe());
  return *r;
}

std::optional<json> NativeDevice::try_call(const std::string& method, const json& args) {
  auto r = engine_->call(method, args);
  if (!r) return std::nullopt;
  return *r;
}

void NativeDevice::enroll(const std::string& code, const json& course) {
  client_.enroll(code, name_);
  call("profile.set", {{"home_page", client_.home_page()}, {"account", client_.user_id()}, {"name", name_},
                       {"device_id", client_.device_id()}});
  call("course.install", {{"course", course}});
}

void NativeDevice::act(std::mt19937& rng, const json& course) {
  std::vector<std::pair<std::string, std::string>> items;  // id, type
  for (const auto& m : course["modules"])
    for (const auto& it : m["items"]) items.emplace_back(it["id"], it["type"]);
  const auto& [item, type] = items[rng() % items.size()];
  const std::string cid = course["id"];
  advance(1000 + static_cast<std::int64_t>(rng() % 60000));
  if (type == "card") {
    (void)try_call("card.complete", {{"course_id", cid}, {"item_id", item}});
    return;
  }
  if (type != "quiz") return;
  auto attempt = try_call("quiz.start", {{"course_id", cid}, {"item_id", item}});
  if (!attempt) return;
  for (const auto& q : (*attempt)["questions"]) {
    json response;
    const std::string t = q.value("type", "");
    if (t == "single" && q.contains("choices") && !q["choices"].empty())
      response = q["choices"][rng() % q["choices"].size()]["id"];
    else if (t == "true_false")
      response = rng() % 2 == 0;
    else if (t == "numeric")
      response = 8 + static_cast<int>(rng() % 5);
    else
      continue;
    advance(2000);
    (void)try_call("quiz.answer", {{"course_id", cid}, {"item_id", item}, {"attempt_id", (*attempt)["attempt_id"]},
                                   {"question_id", q["id"]}, {"response", response}, {"duration_ms", 2000}});
  }
  (void)try_call("quiz.finish", {{"course_id", cid}, {"item_id", item}, {"attempt_id", (*attempt)["attempt_id"]}});
}

bool NativeDevice::sync(std::mt19937* chaos) {
  try {
    // Push: everything pending, oldest first, in batches (chaos: split, reorder, repeat).
    for (int round = 0; round < 50; ++round) {
      std::vector<json> pending = call("sync.pending", {{"limit", 500}})["statements"];
      if (pending.empty()) break;
      std::vector<std::vector<json>> batches;
      if (!chaos) {
        batches.push_back(pending);
      } else {
        std::shuffle(pending.begin(), pending.end(), *chaos);
        for (std::size_t i = 0; i < pending.size();) {
          const std::size_t n = 1 + (*chaos)() % 7;
          batches.emplace_back(pending.begin() + static_cast<std::ptrdiff_t>(i),
                               pending.begin() + static_cast<std::ptrdiff_t>(std::min(pending.size(), i + n)));
          i += n;
        }
        for (std::size_t k = 0, n = batches.size(); k < n; ++k)
          if ((*chaos)() % 3 == 0) batches.push_back(batches[k]);  // the same batch twice
        if (!sent_.empty() && (*chaos)() % 2 == 0) batches.push_back(sent_[(*chaos)() % sent_.size()]);  // an old one
        std::shuffle(batches.begin(), batches.end(), *chaos);
      }
      for (const auto& b : batches) {
        auto res = client_.push(b);
        if (res.status != 200) return false;
        for (const auto& r : res.body["results"])
          if (r["status"] == "conflict" || r["status"] == "rejected")
            throw DeviceError(name_ + ": the server answered " + r.dump() + " for a statement of this device");
        call("sync.ack", {{"ids", res.acked}, {"cursor", res.body["cursor"]}});
        if (chaos) sent_.push_back(b);
      }
    }
    // Pull: from the stored cursor until `more` is false (chaos: ingest pages in reverse).
    std::int64_t cursor = call("status")["pull_cursor"];
    std::vector<json> pages;
    for (int page = 0; page < 1000; ++page) {
      json req = {{"protocol", 1}, {"cursor", cursor}};
      if (chaos) req["limit"] = 1 + (*chaos)() % 40;
      auto res = client_.post("/api/v1/sync/pull", req);
      if (res.status != 200) return false;
      json body = json::parse(res.body);
      cursor = body["cursor"];
      const bool more = body["more"];
      pages.push_back(std::move(body));
      if (!more) break;
    }
    if (chaos) std::reverse(pages.begin(), pages.end());
    for (const auto& p : pages) call("sync.ingest", {{"statements", p["statements"]}, {"cursor", p["cursor"]}});
    if (chaos) call("sync.ingest", {{"statements", json::array()}, {"cursor", cursor}});  // the newest cursor last
    return true;
  } catch (const DeviceError&) {
    throw;
  } catch (const std::runtime_error&) {
    return false;  // connection refused, reset, cut off, timed out: offline for now
  }
}

std::string NativeDevice::progress_hash(const std::string& course_id) {
  return crypto::sha256_hex(call("progress.get", {{"course_id", course_id}}).dump());
}

std::set<std::string> NativeDevice::statement_ids(const std::string& course_id) {
  std::set<std::string> out;
  for (const auto& s : engine_->store().statements_for_course(course_id)) out.insert(s.id);
  return out;
}

std::int64_t NativeDevice::unsynced() { return call("status")["unsynced"]; }

// ---------------------------------------------------------------- server side

std::string server_progress_hash(const fs::path& db, const std::string& user_id, const json& course) {
  server::Config cfg;
  cfg.database = db.string();
  server::App app(cfg);  // the server's own code on its database (another connection)
  auto parsed = bundle::parse_course(course);
  if (!parsed) throw std::runtime_error("bad course: " + parsed.error().describe());
  const auto p = progress::project_course(*parsed, app.user_statements(user_id));
  return crypto::sha256_hex(progress::to_json(p).dump());
}

std::multiset<std::string> server_statement_ids(const fs::path& db, const std::string& user_id) {
  std::multiset<std::string> out;
  for (const auto& r : sqlite_rows(db, "SELECT id FROM statements WHERE user_id = ?1", {user_id})) out.insert(r[0]);
  return out;
}

}  // namespace trailpack::faults
