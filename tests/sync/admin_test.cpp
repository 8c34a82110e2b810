// The console API on a real server: learners' progress from pushed statements, manager
// scopes, the learner timeline, enrollment codes and CSV import.
#include <catch2/catch.hpp>

#include <set>

#include "test_helpers.hpp"

using namespace trailpack::test;
using nlohmann::json;
namespace crypto = trailpack::server::crypto;
using trailpack::server::db::Connection;

namespace {

constexpr const char* kExperienced = "http://adlnet.gov/expapi/verbs/experienced";

void publish_demo(TestServer& srv) {
  const auto key = crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "test publisher");
  auto h = TestServer::bearer(srv.admin_token());
  h["content-type"] = "application/octet-stream";
  auto res = srv.post("/api/v1/bundles", build_bundle(demo_course_files(), key), h);
  REQUIRE(res.status == 201);
}

json learners(TestServer& srv, const std::string& token) {
  auto res = srv.get("/api/v1/admin/learners", TestServer::bearer(token));
  REQUIRE(res.status == 200);
  return body_json(res)["learners"];
}

const json* find_learner(const json& list, const std::string& id) {
  for (const auto& l : list)
    if (l["id"] == id) return &l;
  return nullptr;
}

std::set<std::string> ids_in(const json& list) {
  std::set<std::string> out;
  for (const auto& l : list) out.insert(l["id"].get<std::string>());
  return out;
}

json passed_quiz(const Device& d, const std::string& id) {
  json s = item_statement(d, id, "safety-basics", "check", "http://adlnet.gov/expapi/verbs/passed");
  s["result"] = {{"score", {{"scaled", 1.0}}}, {"success", true}, {"completion", true}};
  s["context"] = {{"extensions", {{"urn:trailpack:ext:attempt", "attempt-1"}}}};
  return s;
}

trailpack::server::ClientResponse import_csv(TestServer& srv, const std::string& csv, bool dry_run = false) {
  auto h = TestServer::bearer(srv.admin_token());
  h["content-type"] = "text/csv";
  return srv.post(std::string("/api/v1/admin/users/import") + (dry_run ? "?dry_run=1" : ""), csv, h);
}

std::int64_t count_users(TestServer& srv) {
  std::int64_t n = 0;
  srv.app().db().read([&](Connection& c) { n = c.query("SELECT COUNT(*) FROM users")[0].i64(0); });
  return n;
}

// 50 rows; rows 10, 20 and 30 (lines 11, 21, 31) are bad.
std::string fifty_rows() {
  std::string csv = "email,name,role,team,site,groups\n";
  for (int i = 1; i <= 50; ++i) {
    std::string email = "worker" + std::to_string(i) + "@example.com";
    std::string name = "Worker " + std::to_string(i);
    std::string role = i % 7 == 0 ? "manager" : "learner";
    if (i == 10) email = "worker10.example.com";
    if (i == 20) name = "";
    if (i == 30) role = "admin";
    csv += email + "," + name + "," + role + ",Team " + std::to_string(i % 3) + ",North,\"Warehouse; Night shift\"\n";
  }
  return csv;
}

}  // namespace

TEST_CASE("admin: learners show their progress projected from pushed statements", "[sync][admin]") {
  TestServer srv;
  publish_demo(srv);
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  Device sam = srv.enroll_learner("sam@example.com", "Sam");

  json list = learners(srv, srv.admin_token());
  REQUIRE(list.size() == 2);
  CHECK((*find_learner(list, lea.user_id))["courses"].empty());
  CHECK((*find_learner(list, lea.user_id))["last_sync"] == 0);

  REQUIRE(body_json(push(srv, lea, {item_statement(lea, uuid_n(1), "safety-basics", "welcome", kExperienced),
                                    item_statement(lea, uuid_n(2), "safety-basics", "ppe", kExperienced)}))["stored"] == 2);
  list = learners(srv, srv.admin_token());
  const json& l = *find_learner(list, lea.user_id);
  CHECK(l["name"] == "Lea");
  CHECK(l["email"] == "lea@example.com");
  CHECK(l["statements"] == 2);
  CHECK(l["last_sync"].get<std::int64_t>() > 0);
  REQUIRE(l["courses"].size() == 1);
  CHECK(l["courses"][0]["course_id"] == "safety-basics");
  CHECK(l["courses"][0]["completion"].get<double>() == Approx(2.0 / 3.0));
  CHECK(l["courses"][0]["completed"] == false);
  CHECK(l["courses"][0]["statements"] == 2);
  CHECK((*find_learner(list, sam.user_id))["courses"].empty());

  REQUIRE(body_json(push(srv, lea, {passed_quiz(lea, uuid_n(3))}))["stored"] == 1);
  list = learners(srv, srv.admin_token());
  const json& done = (*find_learner(list, lea.user_id))["courses"][0];
  CHECK(done["completion"] == 1.0);
  CHECK(done["completed"] == true);
  CHECK(done["best_score"] == 1.0);

  // The timeline, newest first.
  auto timeline = srv.get("/api/v1/admin/learners/" + lea.user_id + "/statements", TestServer::bearer(srv.admin_token()));
  REQUIRE(timeline.status == 200);
  const json st = body_json(timeline)["statements"];
  REQUIRE(st.size() == 3);
  CHECK(st[0]["id"] == uuid_n(3));
  CHECK(st[2]["id"] == uuid_n(1));
}

TEST_CASE("admin: a manager sees only the learners of the groups they manage (and subgroups)", "[sync][admin]") {
  TestServer srv;
  Device lea = srv.enroll_learner("lea@example.com", "Lea");    // in north
  Device sam = srv.enroll_learner("sam@example.com", "Sam");    // in south
  Device kim = srv.enroll_learner("kim@example.com", "Kim");    // in north-night, a subgroup of north
  const std::string manager = add_staff(srv, "manager@example.com", "manager", "manager-pass-1");
  const std::string org = org_id(srv);
  srv.app().db().write([&](Connection& c) {
    c.exec("INSERT INTO user_groups(id, org_id, name, parent_id, created_ms) VALUES ('g-north', $1, 'North', NULL, 1)", {org});
    c.exec("INSERT INTO user_groups(id, org_id, name, parent_id, created_ms) VALUES ('g-south', $1, 'South', NULL, 1)", {org});
    c.exec("INSERT INTO user_groups(id, org_id, name, parent_id, created_ms) VALUES ('g-night', $1, 'North night', 'g-north', 1)", {org});
    c.exec("INSERT INTO group_members(group_id, user_id) VALUES ('g-north', $1)", {lea.user_id});
    c.exec("INSERT INTO group_members(group_id, user_id) VALUES ('g-south', $1)", {sam.user_id});
    c.exec("INSERT INTO group_members(group_id, user_id) VALUES ('g-night', $1)", {kim.user_id});
    c.exec("INSERT INTO manager_scopes(user_id, group_id) VALUES ($1, 'g-north')", {manager});
  });
  REQUIRE(body_json(push(srv, sam, {statement(sam, uuid_n(1), kExperienced, "urn:trailpack:course:x:item:y")}))["stored"] == 1);
  const std::string token = login(srv, "manager@example.com", "manager-pass-1");

  CHECK(ids_in(learners(srv, token)) == std::set<std::string>{lea.user_id, kim.user_id});
  CHECK(ids_in(learners(srv, srv.admin_token())) == std::set<std::string>{lea.user_id, sam.user_id, kim.user_id});

  auto other = srv.get("/api/v1/admin/learners/" + sam.user_id + "/statements", TestServer::bearer(token));
  CHECK(other.status == 403);
  CHECK(error_code(other) == "forbidden");
  CHECK(error_message(other) == "this learner is outside your scope");
  CHECK(srv.get("/api/v1/admin/learners/" + kim.user_id + "/statements", TestServer::bearer(token)).status == 200);
  CHECK(srv.get("/api/v1/admin/learners/" + sam.user_id + "/statements", TestServer::bearer(srv.admin_token())).status == 200);

  // A manager with no groups sees nobody.
  add_staff(srv, "idle@example.com", "manager", "manager-pass-2");
  CHECK(learners(srv, login(srv, "idle@example.com", "manager-pass-2")).empty());
  // Learners and anonymous callers are kept out.
  CHECK(srv.get("/api/v1/admin/learners", TestServer::bearer(lea.access_token)).status == 403);
  CHECK(srv.get("/api/v1/admin/learners").status == 401);
}

TEST_CASE("admin: enrollment codes for a user", "[sync][admin]") {
  TestServer srv;
  const std::string uid = srv.app().create_user(org_id(srv), "new@example.com", "New", "learner", "");
  auto res = srv.post("/api/v1/admin/users/" + uid + "/enrollment-codes", "{}", TestServer::bearer(srv.admin_token()));
  REQUIRE(res.status == 201);
  const std::string code = body_json(res)["code"];
  CHECK(body_json(res)["link"] == srv.url() + "/#enroll=" + code);
  auto enrolled = srv.post("/api/v1/auth/enroll", json{{"code", code}}.dump());
  REQUIRE(enrolled.status == 200);
  CHECK(body_json(enrolled)["user"]["id"] == uid);
  auto unknown = srv.post("/api/v1/admin/users/u-nobody/enrollment-codes", "{}", TestServer::bearer(srv.admin_token()));
  CHECK(unknown.status == 404);
  add_staff(srv, "manager@example.com", "manager", "manager-pass-1");
  auto manager = srv.post("/api/v1/admin/users/" + uid + "/enrollment-codes", "{}",
                          TestServer::bearer(login(srv, "manager@example.com", "manager-pass-1")));
  CHECK(manager.status == 403);
}

TEST_CASE("admin: CSV import reports bad rows by line, creates the rest, and a re-import changes nothing",
          "[sync][admin][csv]") {
  TestServer srv;
  const std::int64_t users_before = count_users(srv);
  auto res = import_csv(srv, fifty_rows());
  REQUIRE(res.status == 200);
  json j = body_json(res);
  CHECK(j["dry_run"] == false);
  CHECK(j["rows"] == 50);
  CHECK(j["created"] == 47);
  CHECK(j["updated"] == 0);
  CHECK(j["unchanged"] == 0);
  REQUIRE(j["errors"].size() == 3);
  CHECK(j["errors"][0] == json{{"line", 11}, {"message", "\"worker10.example.com\" is not an email address"}});
  CHECK(j["errors"][1] == json{{"line", 21}, {"message", "name is empty"}});
  CHECK(j["errors"][2] == json{{"line", 31}, {"message", "role must be learner or manager (admins are added by an admin)"}});
  CHECK(count_users(srv) == users_before + 47);
  CHECK_FALSE(srv.app().user_id_for_email("worker20@example.com"));
  CHECK_FALSE(srv.app().user_id_for_email("worker30@example.com"));
  std::int64_t members = 0, groups = 0, managers = 0;
  srv.app().db().read([&](Connection& c) {
    members = c.query("SELECT COUNT(*) FROM group_members")[0].i64(0);
    groups = c.query("SELECT COUNT(*) FROM user_groups")[0].i64(0);
    managers = c.query("SELECT COUNT(*) FROM users WHERE role = 'manager'")[0].i64(0);
  });
  CHECK(groups == 2);
  CHECK(members == 47 * 2);
  CHECK(managers == 7);

  // The same file again: idempotent.
  auto again = import_csv(srv, fifty_rows());
  REQUIRE(again.status == 200);
  j = body_json(again);
  CHECK(j["created"] == 0);
  CHECK(j["updated"] == 0);
  CHECK(j["unchanged"] == 47);
  CHECK(j["errors"].size() == 3);
  CHECK(count_users(srv) == users_before + 47);
  srv.app().db().read([&](Connection& c) { CHECK(c.query("SELECT COUNT(*) FROM group_members")[0].i64(0) == members); });

  // One changed row is an update.
  std::string changed = "email,name,role,team,site,groups\nworker1@example.com,Worker One,learner,Team 1,North,\n";
  j = body_json(import_csv(srv, changed));
  CHECK(j["updated"] == 1);
  CHECK(j["unchanged"] == 0);
}

TEST_CASE("admin: a CSV dry run reports but changes nothing", "[sync][admin][csv]") {
  TestServer srv;
  const std::int64_t users_before = count_users(srv);
  auto res = import_csv(srv, fifty_rows(), true);
  REQUIRE(res.status == 200);
  const json j = body_json(res);
  CHECK(j["dry_run"] == true);
  CHECK(j["created"] == 47);
  CHECK(j["errors"].size() == 3);
  CHECK(count_users(srv) == users_before);
  srv.app().db().read([&](Connection& c) {
    CHECK(c.query("SELECT COUNT(*) FROM user_groups")[0].i64(0) == 0);
    CHECK(c.query("SELECT COUNT(*) FROM group_members")[0].i64(0) == 0);
  });
  // And the real import afterwards creates them.
  CHECK(body_json(import_csv(srv, fifty_rows()))["created"] == 47);
}

TEST_CASE("admin: CSV import never changes an admin or a user of another organisation", "[sync][admin][csv]") {
  TestServer srv;
  const std::string other_org = srv.app().create_org("Other org");
  srv.app().create_user(other_org, "outsider@example.com", "Outsider", "learner", "");
  auto res = import_csv(srv, "email,name,role\nADMIN@example.com,Demoted,learner\noutsider@example.com,Taken Over,manager\nok@example.com,Ok,learner\n");
  REQUIRE(res.status == 200);
  const json j = body_json(res);
  CHECK(j["created"] == 1);
  CHECK(j["updated"] == 0);
  REQUIRE(j["errors"].size() == 2);
  CHECK(j["errors"][0] == json{{"line", 2}, {"message", "admin@example.com is an admin; an import does not change admins"}});
  CHECK(j["errors"][1] == json{{"line", 3}, {"message", "outsider@example.com belongs to another organisation"}});
  // The admin can still sign in as an admin.
  auto login_res = srv.post("/api/v1/auth/login", json{{"email", "admin@example.com"}, {"password", "admin-pass-1"}}.dump());
  REQUIRE(login_res.status == 200);
  CHECK(body_json(login_res)["user"]["role"] == "admin");
  CHECK(body_json(login_res)["user"]["name"] == "Admin");
  srv.app().db().read([&](Connection& c) {
    auto rows = c.query("SELECT name, role, org_id FROM users WHERE email = 'outsider@example.com'");
    CHECK(rows[0].str(0) == "Outsider");
    CHECK(rows[0].str(1) == "learner");
    CHECK(rows[0].str(2) == other_org);
  });
}

TEST_CASE("admin: CSV import refuses unknown or repeated columns, and rows past the field and group limits", "[sync][admin][csv]") {
  TestServer srv;
  auto misspelt = import_csv(srv, "email,name,group\na@example.com,A,Crew\n");
  CHECK(misspelt.status == 400);
  CHECK(error_where(misspelt) == "line 1");
  CHECK(error_message(misspelt) == "unknown column \"group\" (the columns are email, name, role, team, site, job_role, groups)");
  auto twice = import_csv(srv, "email,name,Email\na@example.com,A,b@example.com\n");
  CHECK(twice.status == 400);
  CHECK(error_message(twice) == "the column \"email\" appears twice");

  std::string many_groups, long_group(101, 'g');
  for (int i = 0; i < 21; ++i) many_groups += (i ? ";" : "") + std::string("G") + std::to_string(i);
  std::string csv = "email,name,team,groups\n";
  csv += "ok@example.com,Okay,Yard,Crew;Crew\n";                            // line 2: fine (Crew once)
  csv += "long@example.com," + std::string(201, 'n') + ",,\n";               // line 3
  csv += "groups@example.com,Many," + std::string() + "," + many_groups + "\n";  // line 4
  csv += "gname@example.com,Long Group,," + long_group + "\n";               // line 5
  // New groups up to 200 in the file (Crew, then 9 rows of 20 and one of 19) are fine; a
  // row that would create the 201st is refused.
  for (int i = 0; i < 11; ++i) {
    std::string g;
    const int n = i < 9 ? 20 : i == 9 ? 19 : 1;
    for (int k = 0; k < n; ++k) g += (k ? ";" : "") + std::string("N") + std::to_string(i * 20 + k);
    csv += "new" + std::to_string(i) + "@example.com,New " + std::to_string(i) + ",," + g + "\n";  // lines 6-16
  }
  auto res = import_csv(srv, csv);
  REQUIRE(res.status == 200);
  const json j = body_json(res);
  std::map<int, std::string> errors;
  for (const auto& e : j["errors"]) errors[e["line"].get<int>()] = e["message"];
  CHECK(errors.size() == 4);
  CHECK(errors[3] == "name, team, site and job_role are limited to 200 bytes");
  CHECK(errors[4] == "at most 20 groups per person");
  CHECK(errors[5] == "a group name is longer than 100 bytes");
  CHECK(errors[16] == "the file creates more than 200 new groups; create groups in the console, or import in parts");
  CHECK(j["created"] == 11);
  srv.app().db().read([&](trailpack::server::db::Connection& c) {
    CHECK(c.query("SELECT COUNT(*) FROM user_groups")[0].i64(0) == 200);
    CHECK(c.query("SELECT COUNT(*) FROM users WHERE email IN ('long@example.com', 'groups@example.com', 'gname@example.com', "
                  "'new10@example.com')")[0].i64(0) == 0);
  });
}

TEST_CASE("admin: CSV import refuses files without the required columns, and non-admins", "[sync][admin][csv]") {
  TestServer srv;
  auto no_name = import_csv(srv, "email,team\na@example.com,x\n");
  CHECK(no_name.status == 400);
  CHECK(error_code(no_name) == "invalid_csv");
  CHECK(error_where(no_name) == "line 1");
  CHECK(error_message(no_name) == "the header row needs a \"name\" column");
  auto empty = import_csv(srv, "");
  CHECK(empty.status == 400);
  CHECK(error_code(empty) == "invalid_csv");
  add_staff(srv, "manager@example.com", "manager", "manager-pass-1");
  auto h = TestServer::bearer(login(srv, "manager@example.com", "manager-pass-1"));
  h["content-type"] = "text/csv";
  CHECK(srv.post("/api/v1/admin/users/import", "email,name\na@example.com,A\n", h).status == 403);
}
