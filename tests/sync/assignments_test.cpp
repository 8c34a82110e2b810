// Assignments and learning paths on a real server: who is covered as groups change, due
// dates, completion from pushed statements, recertification cycles, and what devices
// receive at pull.
#include <catch2/catch.hpp>

#include "app/assignments.hpp"
#include "identity_helpers.hpp"
#include "trailpack/time.hpp"

using namespace trailpack::test;
using nlohmann::json;
namespace assignments = trailpack::server::assignments;

namespace {

json rows_of(TestServer& srv, const std::string& token, const std::string& learner) {
  auto r = call(srv, "GET", "/api/v1/admin/learners/" + learner + "/assignments", token);
  REQUIRE(r.status == 200);
  return r.body;
}

const json* current_for(const json& body, const std::string& course) {
  for (const auto& a : body["assignments"])
    if (a["course_id"] == course && a["current"] == true) return &a;
  return nullptr;
}

std::int64_t ms(const std::string& iso) { return *trailpack::parse_timestamp(iso); }

}  // namespace

TEST_CASE("assignments: months are added on the calendar", "[sync][assignments]") {
  CHECK(trailpack::add_months(ms("2028-01-31T10:00:00Z"), 1) == ms("2028-02-29T10:00:00Z"));
  CHECK(trailpack::add_months(ms("2027-01-31T10:00:00Z"), 1) == ms("2027-02-28T10:00:00Z"));
  CHECK(trailpack::add_months(ms("2026-11-22T09:15:00.123Z"), 12) == ms("2027-11-22T09:15:00.123Z"));
  CHECK(trailpack::add_months(ms("2026-12-15T00:00:00Z"), 3) == ms("2027-03-15T00:00:00Z"));
  CHECK(trailpack::add_months(ms("1969-12-31T23:00:00Z"), 2) == ms("1970-02-28T23:00:00Z"));
}

TEST_CASE("assignments: a group assignment covers members and subgroups, new members too; leaving keeps history",
          "[sync][assignments]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  publish_course(srv, "safety-basics", "Workplace safety basics");
  const std::string warehouse = make_group(srv, admin, "Warehouse");
  const std::string night = make_group(srv, admin, "Night", warehouse);
  Device ann = srv.enroll_learner("ann@example.com", "Ann");
  Device ben = srv.enroll_learner("ben@example.com", "Ben");
  Device cat = srv.enroll_learner("cat@example.com", "Cat");
  add_members(srv, admin, warehouse, {ann.user_id});
  add_members(srv, admin, night, {ben.user_id});

  const std::int64_t before = now_ms();
  auto created = call(srv, "POST", "/api/v1/admin/assignments", admin,
                      {{"target", {{"type", "group"}, {"id", warehouse}}}, {"course_id", "safety-basics"}, {"due_days", 14}});
  REQUIRE(created.status == 201);
  CHECK(created.body["learners"] == 2);
  CHECK(created.body["title"] == "Workplace safety basics");
  CHECK(created.body["target"] == json{{"type", "group"}, {"id", warehouse}, {"name", "Warehouse"}});
  CHECK(created.body["due_days"] == 14);
  const std::string id = created.body["id"];

  const json ann_rows = rows_of(srv, admin, ann.user_id);
  REQUIRE(ann_rows["assignments"].size() == 1);
  const json& a = ann_rows["assignments"][0];
  CHECK(a["status"] == "assigned");
  CHECK(a["cycle"] == 1);
  CHECK(a["assigned_at"].get<std::int64_t>() >= before);
  CHECK(a["due_at"].get<std::int64_t>() == a["assigned_at"].get<std::int64_t>() + 14 * kDay);
  CHECK(ann_rows["summary"] == json{{"assigned", 1}, {"completed", 0}, {"overdue", 0}, {"upcoming", 0}});
  CHECK(rows_of(srv, admin, cat.user_id)["assignments"] == json::array());

  // A new member of a subgroup gets it at once, with their own dates.
  add_members(srv, admin, night, {cat.user_id});
  const json cat_rows = rows_of(srv, admin, cat.user_id);
  REQUIRE(cat_rows["assignments"].size() == 1);
  CHECK(cat_rows["assignments"][0]["assignment_id"] == id);
  CHECK(cat_rows["assignments"][0]["assigned_at"].get<std::int64_t>() >= a["assigned_at"].get<std::int64_t>());

  // Leaving the group ends Ben's row, which stays as history; coming back opens it again.
  auto left = call(srv, "DELETE", "/api/v1/admin/groups/" + night + "/members/" + ben.user_id, admin);
  CHECK(left.body["assignments_ended"] == 1);
  json ben_rows = rows_of(srv, admin, ben.user_id);
  REQUIRE(ben_rows["assignments"].size() == 1);
  CHECK(ben_rows["assignments"][0]["status"] == "ended");
  CHECK(ben_rows["assignments"][0]["current"] == false);
  const std::string ben_row = ben_rows["assignments"][0]["id"];
  add_members(srv, admin, night, {ben.user_id});
  ben_rows = rows_of(srv, admin, ben.user_id);
  REQUIRE(ben_rows["assignments"].size() == 1);
  CHECK(ben_rows["assignments"][0]["id"] == ben_row);
  CHECK(ben_rows["assignments"][0]["status"] == "assigned");

  // Moving the subgroup out of Warehouse moves its members out of the assignment.
  REQUIRE(call(srv, "PATCH", "/api/v1/admin/groups/" + night, admin, {{"parent_id", nullptr}}).status == 200);
  CHECK(current_for(rows_of(srv, admin, cat.user_id), "safety-basics") == nullptr);
  CHECK(current_for(rows_of(srv, admin, ann.user_id), "safety-basics") != nullptr);

  // The list, and ending the assignment (history stays).
  auto list = call(srv, "GET", "/api/v1/admin/assignments", admin);
  REQUIRE(list.body["assignments"].size() == 1);
  CHECK(list.body["assignments"][0]["learners"] == 1);
  auto ended = call(srv, "DELETE", "/api/v1/admin/assignments/" + id, admin);
  CHECK(ended.body["rows_ended"] == 1);
  CHECK(call(srv, "DELETE", "/api/v1/admin/assignments/" + id, admin).status == 409);
  CHECK(call(srv, "GET", "/api/v1/admin/assignments", admin).body["assignments"] == json::array());
  CHECK(call(srv, "GET", "/api/v1/admin/assignments?include_ended=1", admin).body["assignments"].size() == 1);
  CHECK(rows_of(srv, admin, ann.user_id)["assignments"][0]["status"] == "ended");
}

TEST_CASE("assignments: due, overdue and completed follow the learner's statements", "[sync][assignments]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  publish_course(srv, "safety-basics", "Workplace safety basics");
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  const std::int64_t due = now_ms() - kDay;
  const std::string id = assign(srv, admin, {{"target", {{"type", "user"}, {"id", lea.user_id}}}, {"course_id", "safety-basics"}, {"due_at", due}});
  json body = rows_of(srv, admin, lea.user_id);
  CHECK(body["assignments"][0]["status"] == "overdue");
  CHECK(body["assignments"][0]["due_at"] == due);
  auto per_learner = call(srv, "GET", "/api/v1/admin/assignments/" + id + "/learners", admin);
  REQUIRE(per_learner.body["learners"].size() == 1);
  CHECK(per_learner.body["learners"][0]["status"] == "overdue");
  CHECK(call(srv, "GET", "/api/v1/admin/assignments", admin).body["assignments"][0]["overdue"] == 1);

  // Two of three items: still overdue. The quiz passed: completed, at the quiz's time.
  const std::int64_t at = ms("2026-11-20T08:30:00.250Z");
  auto done = completing(lea, "safety-basics", at, 1);
  REQUIRE(body_json(push(srv, lea, {done[0], done[1]}))["stored"] == 2);
  CHECK(rows_of(srv, admin, lea.user_id)["assignments"][0]["status"] == "overdue");
  REQUIRE(body_json(push(srv, lea, {done[2]}))["stored"] == 1);
  body = rows_of(srv, admin, lea.user_id);
  CHECK(body["assignments"][0]["status"] == "completed");
  CHECK(body["assignments"][0]["completed_at"] == at);
  CHECK(body["summary"]["completed"] == 1);
  per_learner = call(srv, "GET", "/api/v1/admin/assignments/" + id + "/learners", admin);
  CHECK(per_learner.body["learners"][0]["status"] == "completed");
  CHECK(call(srv, "GET", "/api/v1/admin/assignments", admin).body["assignments"][0]["completed"] == 1);
}

TEST_CASE("assignments: learning paths of mandatory and optional courses", "[sync][assignments]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  publish_course(srv, "safety-basics", "Workplace safety basics");
  publish_course(srv, "forklift", "Forklift safety");
  publish_course(srv, "first-aid", "First aid");
  auto missing = call(srv, "POST", "/api/v1/admin/paths", admin,
                      {{"title", "Induction"}, {"courses", {{{"course_id", "safety-basics"}}, {{"course_id", "welding"}}}}});
  CHECK(missing.status == 400);
  CHECK(missing.body["error"]["where"] == "courses[1].course_id");
  CHECK(missing.body["error"]["message"] == "no published course \"welding\"");
  auto twice = call(srv, "POST", "/api/v1/admin/paths", admin,
                    {{"title", "Induction"}, {"courses", {{{"course_id", "forklift"}}, {{"course_id", "forklift"}}}}});
  CHECK(twice.body["error"]["message"] == "\"courses[1].course_id\" appears twice in the path");
  auto empty = call(srv, "POST", "/api/v1/admin/paths", admin, {{"title", "Nothing"}, {"courses", json::array()}});
  CHECK(empty.body["error"]["message"] == "\"courses\" must not be empty");

  auto path = call(srv, "POST", "/api/v1/admin/paths", admin,
                   {{"title", "Induction"},
                    {"courses", {{{"course_id", "safety-basics"}}, {{"course_id", "forklift"}, {"mandatory", false}}}}});
  REQUIRE(path.status == 201);
  CHECK(path.body["courses"] == json::parse(R"([{"course_id":"safety-basics","title":"Workplace safety basics","mandatory":true},
                                                {"course_id":"forklift","title":"Forklift safety","mandatory":false}])"));
  const std::string pid = path.body["id"];
  const std::string crew = make_group(srv, admin, "Crew");
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  add_members(srv, admin, crew, {lea.user_id});
  const std::string id = assign(srv, admin, {{"target", {{"type", "group"}, {"id", crew}}}, {"path_id", pid}, {"due_days", 7}});

  json body = rows_of(srv, admin, lea.user_id);
  REQUIRE(body["assignments"].size() == 2);
  const json* sb = current_for(body, "safety-basics");
  const json* fl = current_for(body, "forklift");
  REQUIRE(sb);
  REQUIRE(fl);
  CHECK((*sb)["mandatory"] == true);
  CHECK((*sb)["due_at"].is_number());
  CHECK((*sb)["path"] == json{{"id", pid}, {"title", "Induction"}, {"position", 1}});
  CHECK((*fl)["mandatory"] == false);
  CHECK((*fl)["due_at"].is_null());
  CHECK((*fl)["path"]["position"] == 2);

  // The mandatory course done: the path is complete for the learner.
  REQUIRE(body_json(push(srv, lea, completing(lea, "safety-basics", now_ms() - 60000, 1)))["stored"] == 3);
  auto per_learner = call(srv, "GET", "/api/v1/admin/assignments/" + id + "/learners", admin);
  REQUIRE(per_learner.body["learners"].size() == 1);
  CHECK(per_learner.body["learners"][0]["status"] == "completed");
  CHECK(per_learner.body["learners"][0]["courses"].size() == 2);

  // Editing the path: first aid is added (mandatory), forklift removed (its row ends).
  auto edited = call(srv, "PUT", "/api/v1/admin/paths/" + pid, admin,
                     {{"title", "Induction 2"}, {"courses", {{{"course_id", "safety-basics"}}, {{"course_id", "first-aid"}}}}});
  REQUIRE(edited.status == 200);
  CHECK(edited.body["assignments"] == 1);
  body = rows_of(srv, admin, lea.user_id);
  CHECK(current_for(body, "forklift") == nullptr);
  REQUIRE(current_for(body, "first-aid") != nullptr);
  CHECK((*current_for(body, "first-aid"))["status"] == "assigned");
  CHECK((*current_for(body, "first-aid"))["path"]["title"] == "Induction 2");
  per_learner = call(srv, "GET", "/api/v1/admin/assignments/" + id + "/learners", admin);
  CHECK(per_learner.body["learners"][0]["status"] == "assigned");
}

TEST_CASE("assignments: recertification opens a new cycle N months after completion", "[sync][assignments]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  publish_course(srv, "safety-basics", "Workplace safety basics");
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  // Done 400 days ago: the 12-month certificate lapsed about 35 days ago.
  const std::int64_t first = now_ms() - 400 * kDay;
  REQUIRE(body_json(push(srv, lea, completing(lea, "safety-basics", first, 1)))["stored"] == 3);
  assign(srv, admin, {{"target", {{"type", "user"}, {"id", lea.user_id}}}, {"course_id", "safety-basics"}, {"due_days", 30},
                      {"recur_months", 12}});
  json body = rows_of(srv, admin, lea.user_id);
  REQUIRE(body["assignments"].size() == 2);
  CHECK(body["assignments"][0]["cycle"] == 1);
  CHECK(body["assignments"][0]["status"] == "completed");
  CHECK(body["assignments"][0]["completed_at"] == first);
  CHECK(body["assignments"][0]["current"] == false);
  const json cycle2 = body["assignments"][1];
  CHECK(cycle2["cycle"] == 2);
  CHECK(cycle2["current"] == true);
  CHECK(cycle2["assigned_at"] == trailpack::add_months(first, 12));
  CHECK(cycle2["due_at"] == trailpack::add_months(first, 12) + 30 * kDay);
  CHECK(cycle2["status"] == "overdue");

  // The old statements do not count for the new cycle; doing the course again does.
  const std::int64_t again = now_ms() - 3600000;
  REQUIRE(body_json(push(srv, lea, completing(lea, "safety-basics", again, 11)))["stored"] == 3);
  auto pulled = body_json(pull(srv, lea, 0));
  REQUIRE(pulled["assignments"].size() == 1);
  const json& a = pulled["assignments"][0];
  CHECK(a["cycle"] == 2);
  CHECK(a["status"] == "completed");
  CHECK(a["completed_at"] == again);
  CHECK(a["next_cycle_at"] == trailpack::add_months(again, 12));
  body = rows_of(srv, admin, lea.user_id);
  REQUIRE(body["assignments"].size() == 3);
  CHECK(body["assignments"][2]["status"] == "upcoming");
  CHECK(body["summary"] == json{{"assigned", 0}, {"completed", 1}, {"overdue", 0}, {"upcoming", 0}});
}

TEST_CASE("assignments: devices receive their assignments at pull and, with a closed catalogue, only assigned courses",
          "[sync][assignments]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  publish_course(srv, "safety-basics", "Workplace safety basics");
  publish_course(srv, "forklift", "Forklift safety");
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  Device sam = srv.enroll_learner("sam@example.com", "Sam");
  auto offered = [&](const Device& d) {
    std::vector<std::string> ids;
    auto r = call(srv, "GET", "/api/v1/courses", d.access_token);
    for (const auto& c : r.body["courses"]) ids.push_back(c["id"]);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  // The catalogue is open by default: everything is offered, nothing is assigned.
  CHECK(offered(lea) == std::vector<std::string>{"forklift", "safety-basics"});
  json p = body_json(pull(srv, lea, 0));
  CHECK(p["assignments"] == json::array());
  CHECK(p["reminders"] == json::array());
  CHECK(p["courses"].size() == 2);

  const std::string id = assign(srv, admin, {{"target", {{"type", "user"}, {"id", lea.user_id}}}, {"course_id", "safety-basics"}, {"due_days", 5}});
  p = body_json(pull(srv, lea, 0));
  REQUIRE(p["assignments"].size() == 1);
  const json& a = p["assignments"][0];
  CHECK(a["assignment_id"] == id);
  CHECK(a["course_id"] == "safety-basics");
  CHECK(a["version"] == 1);
  CHECK(a["title"] == "Workplace safety basics");
  CHECK(a["cycle"] == 1);
  CHECK(a["status"] == "assigned");
  CHECK(a["mandatory"] == true);
  CHECK(a["due_at"].get<std::int64_t>() == a["assigned_at"].get<std::int64_t>() + 5 * kDay);
  CHECK(a["completed_at"].is_null());
  CHECK(a["next_cycle_at"].is_null());
  CHECK(a["path"].is_null());

  // Closed catalogue: devices see what is assigned; staff still see everything.
  REQUIRE(call(srv, "PATCH", "/api/v1/admin/settings", admin, {{"open_catalogue", false}}).status == 200);
  CHECK(offered(lea) == std::vector<std::string>{"safety-basics"});
  CHECK(offered(sam).empty());
  p = body_json(pull(srv, lea, 0));
  CHECK(p["courses"] == json::parse(R"([{"id":"safety-basics","version":1}])"));
  CHECK(body_json(pull(srv, sam, 0))["courses"] == json::array());
  CHECK(call(srv, "GET", "/api/v1/courses", admin).body["courses"].size() == 2);
}

TEST_CASE("assignments: bad assignments are refused with the field named", "[sync][assignments]") {
  TestServer srv;
  const std::string admin = srv.admin_token();
  publish_course(srv, "safety-basics", "Workplace safety basics");
  Device lea = srv.enroll_learner("lea@example.com", "Lea");
  const json target = {{"type", "user"}, {"id", lea.user_id}};
  auto err = [&](const json& body) { return call(srv, "POST", "/api/v1/admin/assignments", admin, body).body["error"]; };
  CHECK(err({{"course_id", "safety-basics"}})["message"] == "\"target\" is required");
  CHECK(err({{"target", target}})["message"] == "\"course_id\" is required (or path_id)");
  CHECK(err({{"target", target}, {"course_id", "safety-basics"}, {"path_id", "p-x"}})["message"] ==
        "\"path_id\" must not be given with course_id");
  CHECK(err({{"target", {{"type", "team"}, {"id", "x"}}}, {"course_id", "safety-basics"}})["where"] == "target.type");
  CHECK(err({{"target", {{"type", "group"}, {"id", "g-none"}}}, {"course_id", "safety-basics"}})["message"] ==
        "no such group in your organisation: g-none");
  CHECK(err({{"target", target}, {"course_id", "welding"}})["message"] == "no published course \"welding\"");
  CHECK(err({{"target", target}, {"course_id", "safety-basics"}, {"due_at", 1}, {"due_days", 2}})["message"] ==
        "\"due_days\" must not be given with due_at");
  CHECK(err({{"target", target}, {"course_id", "safety-basics"}, {"recur_months", 0}})["message"] == "\"recur_months\" must be at least 1");
  const std::string mgr = add_staff(srv, "m@example.com", "manager", "m-password-1");
  CHECK(err({{"target", {{"type", "user"}, {"id", mgr}}}, {"course_id", "safety-basics"}})["where"] == "target.id");
  assign(srv, admin, {{"target", target}, {"course_id", "safety-basics"}});
  auto again = call(srv, "POST", "/api/v1/admin/assignments", admin, {{"target", target}, {"course_id", "safety-basics"}});
  CHECK(again.status == 409);
  CHECK(again.body["error"]["code"] == "already_assigned");
  std::int64_t n = 0;
  srv.app().db().read([&](trailpack::server::db::Connection& c) { n = c.query("SELECT COUNT(*) FROM assignments")[0].i64(0); });
  CHECK(n == 1);
}
