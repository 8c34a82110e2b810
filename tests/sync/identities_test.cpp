// People, groups, devices, enrollment codes and settings through the console API, on a
// real server.
#include <catch2/catch.hpp>

#include <qrencode.h>

#include "identity_helpers.hpp"
#include "qr.hpp"

using namespace trailpack::test;
using nlohmann::json;

namespace {

std::vector<std::string> names_of(const json& users) {
  std::vector<std::string> out;
  for (const auto& u : users) out.push_back(u["name"]);
  return out;
}

}  // namespace

TEST_CASE("identities: admins create, list, search, page and update people", "[sync][identities]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  for (const auto& [email, name, role] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"ada@example.com", "Ada Lovelace", "learner"},
           {"bo@example.com", "Bo Diddley", "learner"},
           {"cy@example.com", "Cy Young", "manager"},
           {"di@example.com", "Di Prima", "learner"}}) {
    auto r = call(srv, "POST", "/api/v1/admin/users", admin,
                  {{"email", email}, {"name", name}, {"role", role}, {"team", "Night"}, {"site", "Lyon"}, {"job_role", "Picker"}});
    REQUIRE(r.status == 201);
    CHECK(r.body["email"] == email);
    CHECK(r.body["role"] == role);
    CHECK(r.body["active"] == true);
    CHECK(r.body["groups"] == json::array());
  }

  // Everyone of the organisation (the fixture's admin included), by name.
  auto all = call(srv, "GET", "/api/v1/admin/users", admin);
  REQUIRE(all.status == 200);
  CHECK(all.body["total"] == 5);
  CHECK(names_of(all.body["users"]) == std::vector<std::string>{"Ada Lovelace", "Admin", "Bo Diddley", "Cy Young", "Di Prima"});

  auto search = call(srv, "GET", "/api/v1/admin/users?q=" + url_encode("BO@"), admin);
  CHECK(names_of(search.body["users"]) == std::vector<std::string>{"Bo Diddley"});
  auto managers = call(srv, "GET", "/api/v1/admin/users?role=manager", admin);
  CHECK(names_of(managers.body["users"]) == std::vector<std::string>{"Cy Young"});
  auto page = call(srv, "GET", "/api/v1/admin/users?role=learner&offset=1&limit=1", admin);
  CHECK(page.body["total"] == 3);
  CHECK(names_of(page.body["users"]) == std::vector<std::string>{"Bo Diddley"});

  // Input errors name the field; nothing is stored.
  auto bad_email = call(srv, "POST", "/api/v1/admin/users", admin, {{"email", "nobody.example.com"}, {"name", "X"}});
  CHECK(bad_email.status == 400);
  CHECK(bad_email.body["error"]["where"] == "email");
  CHECK(bad_email.body["error"]["message"] == "\"email\": \"nobody.example.com\" is not an email address");
  auto no_name = call(srv, "POST", "/api/v1/admin/users", admin, {{"email", "x@example.com"}});
  CHECK(no_name.body["error"]["message"] == "\"name\" is required");
  auto admin_role = call(srv, "POST", "/api/v1/admin/users", admin, {{"email", "x@example.com"}, {"name", "X"}, {"role", "admin"}});
  CHECK(admin_role.status == 400);
  CHECK(admin_role.body["error"]["where"] == "role");
  auto unknown = call(srv, "POST", "/api/v1/admin/users", admin, {{"email", "x@example.com"}, {"name", "X"}, {"nickname", "x"}});
  CHECK(unknown.body["error"]["message"] == "\"nickname\" unknown field");
  auto taken = call(srv, "POST", "/api/v1/admin/users", admin, {{"email", "ADA@example.com"}, {"name", "Another Ada"}});
  CHECK(taken.status == 409);
  CHECK(taken.body["error"]["code"] == "email_taken");
  CHECK(call(srv, "GET", "/api/v1/admin/users", admin).body["total"] == 5);
  auto bad_limit = call(srv, "GET", "/api/v1/admin/users?limit=500", admin);
  CHECK(bad_limit.status == 400);
  CHECK(bad_limit.body["error"]["message"] == "limit must be a whole number from 1 to 200");

  // Update: fields change, a manager gets a password and can sign in.
  const std::string cy = *srv.app().user_id_for_email("cy@example.com");
  auto upd = call(srv, "PATCH", "/api/v1/admin/users/" + cy, admin, {{"name", "Cy Young-Old"}, {"password", "cy-password-1"}});
  REQUIRE(upd.status == 200);
  CHECK(upd.body["name"] == "Cy Young-Old");
  CHECK(upd.body["team"] == "Night");
  CHECK_NOTHROW(login(srv, "cy@example.com", "cy-password-1"));
  const std::string ada = *srv.app().user_id_for_email("ada@example.com");
  auto learner_pw = call(srv, "PATCH", "/api/v1/admin/users/" + ada, admin, {{"password", "ada-password-1"}});
  CHECK(learner_pw.status == 400);
  CHECK(learner_pw.body["error"]["message"] == "\"password\" applies to managers only (learners sign in with devices)");
  // Admin accounts are not changed from the console.
  const std::string self = *srv.app().user_id_for_email("admin@example.com");
  auto self_change = call(srv, "PATCH", "/api/v1/admin/users/" + self, admin, {{"name", "Boss"}});
  CHECK(self_change.status == 409);
  CHECK(self_change.body["error"]["code"] == "admin_account");
  // A manager demoted to learner loses their session and their groups.
  const std::string g = make_group(srv, admin, "Night shift");
  add_manager(srv, admin, g, cy);
  const std::string cy_token = login(srv, "cy@example.com", "cy-password-1");
  CHECK(call(srv, "GET", "/api/v1/admin/users", cy_token).status == 200);
  REQUIRE(call(srv, "PATCH", "/api/v1/admin/users/" + cy, admin, {{"role", "learner"}}).status == 200);
  CHECK(call(srv, "GET", "/api/v1/admin/users", cy_token).status == 401);
  CHECK(call(srv, "GET", "/api/v1/admin/groups/" + g + "/members", admin).status == 200);
  CHECK(call(srv, "GET", "/api/v1/admin/groups", admin).body["groups"][0]["managers"] == json::array());
}

TEST_CASE("identities: deactivation revokes every token of the person", "[sync][identities]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  REQUIRE(pull(srv, lea, 0).status == 200);
  auto r = call(srv, "POST", "/api/v1/admin/users/" + lea.user_id + "/deactivate", admin);
  REQUIRE(r.status == 200);
  CHECK(r.body["active"] == false);
  CHECK(pull(srv, lea, 0).status == 401);
  auto refresh = srv.post("/api/v1/auth/refresh", json{{"refresh_token", lea.refresh_token}}.dump());
  CHECK(refresh.status == 401);
  auto devices = call(srv, "GET", "/api/v1/admin/users/" + lea.user_id + "/devices", admin);
  REQUIRE(devices.body["devices"].size() == 1);
  CHECK(devices.body["devices"][0]["active"] == false);
  CHECK(devices.body["devices"][0]["revoked_ms"].is_number());
  // Inactive learners get no enrollment codes; reactivated, they enroll again.
  CHECK(call(srv, "POST", "/api/v1/admin/users/" + lea.user_id + "/enrollment-codes", admin).status == 409);
  CHECK(call(srv, "GET", "/api/v1/admin/users?status=inactive", admin).body["total"] == 1);
  REQUIRE(call(srv, "POST", "/api/v1/admin/users/" + lea.user_id + "/reactivate", admin).status == 200);
  CHECK(pull(srv, lea, 0).status == 401);  // the old tokens stay revoked
  auto code = call(srv, "POST", "/api/v1/admin/users/" + lea.user_id + "/enrollment-codes", admin);
  REQUIRE(code.status == 201);
  CHECK(srv.post("/api/v1/auth/enroll", json{{"code", code.body["code"]}}.dump()).status == 200);

  // An admin cannot be deactivated from the console (not even themselves).
  const std::string self = *srv.app().user_id_for_email("admin@example.com");
  CHECK(call(srv, "POST", "/api/v1/admin/users/" + self + "/deactivate", admin).status == 409);
  // A deactivated manager's session ends at once.
  add_staff(srv, "mo@example.com", "manager", "mo-password-1");
  const std::string mo_token = login(srv, "mo@example.com", "mo-password-1");
  REQUIRE(call(srv, "POST", "/api/v1/admin/users/" + *srv.app().user_id_for_email("mo@example.com") + "/deactivate", admin).status == 200);
  CHECK(call(srv, "GET", "/api/v1/admin/users", mo_token).status == 401);
}

TEST_CASE("identities: groups nest, never in a cycle, and managers see their subgroups", "[sync][identities]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  const std::string north = make_group(srv, admin, "North");
  const std::string docks = make_group(srv, admin, "Docks", north);
  const std::string night = make_group(srv, admin, "Night", docks);
  const std::string south = make_group(srv, admin, "South");
  Device ann = srv.enroll_learner("ann@example.com", "Ann");
  Device ben = srv.enroll_learner("ben@example.com", "Ben");
  add_members(srv, admin, night, {ann.user_id});
  add_members(srv, admin, south, {ben.user_id});
  const std::string mgr = add_staff(srv, "mgr@example.com", "manager", "mgr-password-1");
  add_manager(srv, admin, north, mgr);
  const std::string token = login(srv, "mgr@example.com", "mgr-password-1");

  // The manager of North sees Night's learner (two levels down), not South's.
  auto people = call(srv, "GET", "/api/v1/admin/users", token);
  CHECK(names_of(people.body["users"]) == std::vector<std::string>{"Ann"});
  CHECK(call(srv, "GET", "/api/v1/admin/users/" + ann.user_id, token).status == 200);
  auto other = call(srv, "GET", "/api/v1/admin/users/" + ben.user_id, token);
  CHECK(other.status == 403);
  CHECK(other.body["error"]["message"] == "this user is outside your scope");
  json groups = call(srv, "GET", "/api/v1/admin/groups", token).body["groups"];
  std::vector<std::string> seen;
  for (const auto& g : groups) seen.push_back(g["name"]);
  CHECK(seen == std::vector<std::string>{"Docks", "Night", "North"});
  CHECK(call(srv, "GET", "/api/v1/admin/groups/" + south + "/members", token).status == 403);
  auto in_north = call(srv, "GET", "/api/v1/admin/users?group=" + north, admin);
  CHECK(names_of(in_north.body["users"]) == std::vector<std::string>{"Ann"});

  // No cycles: North cannot go under Night (its grandchild) nor under itself.
  auto cycle = call(srv, "PATCH", "/api/v1/admin/groups/" + north, admin, {{"parent_id", night}});
  CHECK(cycle.status == 409);
  CHECK(cycle.body["error"]["code"] == "cycle");
  CHECK(cycle.body["error"]["message"] == "a group cannot be moved under itself or one of its subgroups");
  CHECK(call(srv, "PATCH", "/api/v1/admin/groups/" + north, admin, {{"parent_id", north}}).status == 409);
  auto dup = call(srv, "POST", "/api/v1/admin/groups", admin, {{"name", "Docks"}});
  CHECK(dup.status == 409);
  CHECK(dup.body["error"]["code"] == "name_taken");
  auto no_parent = call(srv, "POST", "/api/v1/admin/groups", admin, {{"name", "East"}, {"parent_id", "g-nothere"}});
  CHECK(no_parent.status == 400);
  CHECK(no_parent.body["error"]["where"] == "parent_id");

  // Moving Docks under South moves Ann out of the manager's sight; to the top, too.
  auto moved = call(srv, "PATCH", "/api/v1/admin/groups/" + docks, admin, {{"parent_id", south}, {"name", "Harbour"}});
  REQUIRE(moved.status == 200);
  CHECK(moved.body["parent_id"] == south);
  CHECK(moved.body["name"] == "Harbour");
  CHECK(call(srv, "GET", "/api/v1/admin/users", token).body["total"] == 0);
  CHECK(call(srv, "GET", "/api/v1/admin/users/" + ann.user_id, token).status == 403);
  auto top = call(srv, "PATCH", "/api/v1/admin/groups/" + docks, admin, {{"parent_id", nullptr}});
  CHECK(top.body["parent_id"].is_null());

  // Members: removal, and errors for strangers.
  auto removed = call(srv, "DELETE", "/api/v1/admin/groups/" + night + "/members/" + ann.user_id, admin);
  CHECK(removed.status == 200);
  CHECK(call(srv, "DELETE", "/api/v1/admin/groups/" + night + "/members/" + ann.user_id, admin).status == 404);
  auto stranger = call(srv, "POST", "/api/v1/admin/groups/" + night + "/members", admin, {{"user_ids", {ann.user_id, "u-nobody"}}});
  CHECK(stranger.status == 400);
  CHECK(stranger.body["error"]["where"] == "user_ids[1]");
  CHECK(call(srv, "GET", "/api/v1/admin/groups/" + night + "/members", admin).body["members"] == json::array());
  auto learner_as_manager = call(srv, "POST", "/api/v1/admin/groups/" + night + "/managers", admin, {{"user_id", ann.user_id}});
  CHECK(learner_as_manager.status == 400);
  CHECK(learner_as_manager.body["error"]["message"] == "no such manager in your organisation: " + ann.user_id);
}

TEST_CASE("identities: devices show their last push and pull and can be revoked", "[sync][identities]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  Device d = srv.enroll_learner("dev@example.com", "Dev");
  auto before = call(srv, "GET", "/api/v1/admin/users/" + d.user_id + "/devices", admin);
  REQUIRE(before.body["devices"].size() == 1);
  CHECK(before.body["devices"][0]["id"] == d.device_id);
  CHECK(before.body["devices"][0]["name"] == "test device");
  CHECK(before.body["devices"][0]["last_push_ms"].is_null());
  CHECK(before.body["devices"][0]["active"] == true);
  const std::int64_t t0 = now_ms();
  REQUIRE(push(srv, d, {statement(d, uuid_n(1), "http://adlnet.gov/expapi/verbs/experienced", "https://example.org/a")}).status == 200);
  REQUIRE(pull(srv, d, 0).status == 200);
  auto after = call(srv, "GET", "/api/v1/admin/users/" + d.user_id, admin);
  const json dev = after.body["device_list"][0];
  CHECK(dev["last_push_ms"].get<std::int64_t>() >= t0);
  CHECK(dev["last_pull_ms"].get<std::int64_t>() >= t0);
  CHECK(after.body["devices"] == 1);
  CHECK(after.body["last_sync"] == dev["last_push_ms"]);

  auto revoked = call(srv, "POST", "/api/v1/admin/devices/" + d.device_id + "/revoke", admin);
  REQUIRE(revoked.status == 200);
  CHECK(revoked.body["active"] == false);
  CHECK(pull(srv, d, 0).status == 401);
  CHECK(srv.post("/api/v1/auth/refresh", json{{"refresh_token", d.refresh_token}}.dump()).status == 401);
  CHECK(call(srv, "POST", "/api/v1/admin/devices/d-nothere/revoke", admin).status == 404);
}

TEST_CASE("identities: an enrollment QR code is an SVG of the #enroll link, asked for by POST", "[sync][identities]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  const std::string uid = srv.app().create_user(org_id(srv), "qr@example.com", "Q", "learner", "");
  auto code = call(srv, "POST", "/api/v1/admin/users/" + uid + "/enrollment-codes", admin);
  REQUIRE(code.status == 201);
  const std::string c = code.body["code"];
  const std::string link = srv.url() + "/#enroll=" + c;
  CHECK(code.body["link"] == link);

  // Dashes and case do not matter, as at enrollment.
  std::string typed = c.substr(0, 4) + "-" + c.substr(4);
  for (char& ch : typed) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  auto qr = call(srv, "POST", "/api/v1/admin/enrollment-qr", admin, {{"code", typed}});
  REQUIRE(qr.status == 200);
  CHECK(qr.content_type == "image/svg+xml");
  CHECK(qr.raw.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  // The SVG encodes exactly the link: the same modules as libqrencode gives for it.
  CHECK(qr.raw == *trailpack::server::qr::svg(link));
  CHECK(qr.raw != *trailpack::server::qr::svg(srv.url() + "/#enroll=" + c + "X"));
  // The modules of the code: a version-3 or larger symbol for a link this long.
  QRcode* symbol = QRcode_encodeString8bit(link.c_str(), 0, QR_ECLEVEL_M);
  REQUIRE(symbol);
  const int width = symbol->width;
  QRcode_free(symbol);
  CHECK(qr.raw.find("viewBox=\"0 0 " + std::to_string(width + 8) + " " + std::to_string(width + 8) + "\"") != std::string::npos);

  auto unknown = call(srv, "POST", "/api/v1/admin/enrollment-qr", admin, {{"code", "AAAABBBBCCCC"}});
  CHECK(unknown.status == 404);
  CHECK(unknown.body["error"]["where"] == "code");
  CHECK(call(srv, "POST", "/api/v1/admin/enrollment-qr", admin, json::object()).status == 400);
  // A manager cannot draw codes of learners outside their groups.
  add_staff(srv, "m@example.com", "manager", "m-password-1");
  CHECK(call(srv, "POST", "/api/v1/admin/enrollment-qr", login(srv, "m@example.com", "m-password-1"), {{"code", c}}).status == 404);
}

TEST_CASE("identities: managers hand out enrollment codes to their own learners only", "[sync][identities]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  const std::string g = make_group(srv, admin, "Crew");
  const std::string mine = srv.app().create_user(org_id(srv), "mine@example.com", "Mine", "learner", "");
  const std::string theirs = srv.app().create_user(org_id(srv), "theirs@example.com", "Theirs", "learner", "");
  add_members(srv, admin, g, {mine});
  const std::string mgr = add_staff(srv, "boss@example.com", "manager", "boss-password-1");
  add_manager(srv, admin, g, mgr);
  const std::string token = login(srv, "boss@example.com", "boss-password-1");
  CHECK(call(srv, "POST", "/api/v1/admin/users/" + mine + "/enrollment-codes", token).status == 201);
  CHECK(call(srv, "POST", "/api/v1/admin/users/" + theirs + "/enrollment-codes", token).status == 403);
  // They revoke their own learners' devices, nobody else's.
  Device own = srv.enroll_learner("own@example.com", "Own");
  Device other = srv.enroll_learner("other@example.com", "Other");
  add_members(srv, admin, g, {own.user_id});
  CHECK(call(srv, "POST", "/api/v1/admin/devices/" + other.device_id + "/revoke", token).status == 403);
  CHECK(pull(srv, other, 0).status == 200);
  CHECK(call(srv, "POST", "/api/v1/admin/devices/" + own.device_id + "/revoke", token).status == 200);
  CHECK(pull(srv, own, 0).status == 401);
  // Staff accounts enroll no devices.
  auto staff = call(srv, "POST", "/api/v1/admin/users/" + mgr + "/enrollment-codes", admin);
  CHECK(staff.status == 409);
  CHECK(staff.body["error"]["code"] == "not_a_learner");
}

TEST_CASE("identities: the open catalogue setting is read by staff and changed by admins", "[sync][identities]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  CHECK(call(srv, "GET", "/api/v1/admin/settings", admin).body == json{{"open_catalogue", true}});
  CHECK(call(srv, "PATCH", "/api/v1/admin/settings", admin, {{"open_catalogue", false}}).body == json{{"open_catalogue", false}});
  CHECK(call(srv, "GET", "/api/v1/admin/settings", admin).body == json{{"open_catalogue", false}});
  auto bad = call(srv, "PATCH", "/api/v1/admin/settings", admin, {{"open_catalogue", "no"}});
  CHECK(bad.status == 400);
  CHECK(bad.body["error"]["message"] == "\"open_catalogue\": expected true or false, found a string");
  CHECK(call(srv, "PATCH", "/api/v1/admin/settings", admin, json::object()).status == 400);
}

TEST_CASE("identities: the CSV import gives group members their groups' assignments", "[sync][identities][csv]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  publish_course(srv, "safety-basics", "Workplace safety basics");
  const std::string g = make_group(srv, admin, "Warehouse");
  assign(srv, admin, {{"target", {{"type", "group"}, {"id", g}}}, {"course_id", "safety-basics"}, {"due_days", 10}});
  auto h = TestServer::bearer(admin);
  h["content-type"] = "text/csv";
  const std::string csv = "email,name,groups\nnew1@example.com,New One,Warehouse\nnew2@example.com,New Two,\n";
  auto dry = srv.post("/api/v1/admin/users/import?dry_run=1", csv, h);
  REQUIRE(dry.status == 200);
  std::int64_t rows = -1;
  srv.app().db().read([&](trailpack::server::db::Connection& c) { rows = c.query("SELECT COUNT(*) FROM learner_assignments")[0].i64(0); });
  CHECK(rows == 0);
  REQUIRE(srv.post("/api/v1/admin/users/import", csv, h).status == 200);
  const std::string id1 = *srv.app().user_id_for_email("new1@example.com");
  auto list = call(srv, "GET", "/api/v1/admin/learners/" + id1 + "/assignments", admin);
  REQUIRE(list.body["assignments"].size() == 1);
  CHECK(list.body["assignments"][0]["course_id"] == "safety-basics");
  CHECK(list.body["assignments"][0]["status"] == "assigned");
  const std::string id2 = *srv.app().user_id_for_email("new2@example.com");
  CHECK(call(srv, "GET", "/api/v1/admin/learners/" + id2 + "/assignments", admin).body["assignments"] == json::array());
  // Re-importing changes nothing.
  auto again = srv.post("/api/v1/admin/users/import", csv, h);
  CHECK(body_json(again)["unchanged"] == 2);
  srv.app().db().read([&](trailpack::server::db::Connection& c) { rows = c.query("SELECT COUNT(*) FROM learner_assignments")[0].i64(0); });
  CHECK(rows == 1);
}
