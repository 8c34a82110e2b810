// The real `trailpack groups add` and `trailpack assign` against the database of a
// running server.
#include <catch2/catch.hpp>

#include "identity_helpers.hpp"

using namespace trailpack::test;
using nlohmann::json;

TEST_CASE("cli: groups add and assign, idempotent, seen by the running server", "[sync][cli][identities]") {
  TestServer srv;
  const std::string db = srv.app().config().database;
  publish_course(srv, "safety-basics", "Workplace safety basics");
  const std::string lea = srv.app().create_user(org_id(srv), "lea@example.com", "Lea", "learner", "");
  add_staff(srv, "m@example.com", "manager", "m-password-1");

  auto made = run_cli({"groups", "add", "--db", db, "--name", "Crew", "--member", "lea@example.com", "--manager", "m@example.com"});
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  CHECK(made.output.rfind("group Crew (g-", 0) == 0);
  CHECK(made.output.find("): 1 members, 1 managers\n") != std::string::npos);
  auto again = run_cli({"groups", "add", "--db", db, "--name", "Crew", "--member", "lea@example.com"});
  CHECK(again.output == made.output);
  REQUIRE(run_cli({"groups", "add", "--db", db, "--name", "Night", "--parent", "Crew"}).exit_code == 0);
  auto cycle = run_cli({"groups", "add", "--db", db, "--name", "Crew", "--parent", "Night"});
  CHECK(cycle.exit_code == 1);
  CHECK(cycle.output == "trailpack: a group cannot be moved under itself or one of its subgroups\n");
  auto not_manager = run_cli({"groups", "add", "--db", db, "--name", "Crew", "--manager", "lea@example.com"});
  CHECK(not_manager.output == "trailpack: lea@example.com is a learner, not a manager\n");

  auto assigned = run_cli({"assign", "--db", db, "--group", "Crew", "--course", "safety-basics", "--due-days", "14"});
  INFO(assigned.output);
  REQUIRE(assigned.exit_code == 0);
  CHECK(assigned.output.rfind("assigned: safety-basics to group Crew (as-", 0) == 0);
  CHECK(assigned.output.find(", 1 learners)\n") != std::string::npos);
  auto twice = run_cli({"assign", "--db", db, "--group", "Crew", "--course", "safety-basics"});
  CHECK(twice.output.rfind("already assigned: safety-basics to group Crew (as-", 0) == 0);
  auto unknown = run_cli({"assign", "--db", db, "--learner", "lea@example.com", "--course", "welding"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.output == "trailpack: no published course \"welding\" (publish it first)\n");
  CHECK(run_cli({"assign", "--db", db, "--course", "safety-basics"}).output ==
        "trailpack: assign needs either --group NAME or --learner EMAIL\n");

  // The server sees it: the manager sees Lea, and Lea has the course, due in 14 days.
  const std::string m = login(srv, "m@example.com", "m-password-1");
  auto people = call(srv, "GET", "/api/v1/admin/users", m);
  REQUIRE(people.body["users"].size() == 1);
  CHECK(people.body["users"][0]["id"] == lea);
  auto rows = call(srv, "GET", "/api/v1/admin/learners/" + lea + "/assignments", m);
  REQUIRE(rows.body["assignments"].size() == 1);
  const json& a = rows.body["assignments"][0];
  CHECK(a["course_id"] == "safety-basics");
  CHECK(a["due_at"].get<std::int64_t>() == a["assigned_at"].get<std::int64_t>() + 14 * kDay);
}
