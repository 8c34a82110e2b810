// The KPI dashboards' API on a real server (SQLite, or PostgreSQL under
// scripts/with-postgres): statements pushed by real devices, KPI tables kept by the
// storage transaction, every endpoint checked against values worked out by hand and
// against the shared reference aggregates (trailpack/kpi) fed with the same statements;
// scoping of managers, CSV export and its escaping, the data-health figures, and the
// summary tables staying exact through voiding, republishing and a full rebuild.
#include <catch2/catch.hpp>

#include <set>

#include "../shared/kpi_fixtures.hpp"
#include "test_helpers.hpp"
#include "trailpack/kpi/engagement.hpp"
#include "trailpack/kpi/facts.hpp"
#include "trailpack/kpi/health.hpp"
#include "trailpack/kpi/impact.hpp"
#include "trailpack/kpi/learning.hpp"
#include "trailpack/progress/review.hpp"

using namespace trailpack::test;
using nlohmann::json;
namespace crypto = trailpack::server::crypto;
namespace kpi = trailpack::kpi;
namespace verbs = trailpack::xapi::verbs;
using trailpack::TimeMs;
using trailpack::server::db::Connection;
using trailpack::test::kpi_fixture::Log;

namespace {

constexpr TimeMs kDay = kpi::kDayMs;
constexpr TimeMs kMin = 60'000;
// 2026-11-D 10:00 UTC
TimeMs nov(int d) { return 1793527200000 + static_cast<TimeMs>(d - 1) * kDay; }

void publish(TestServer& srv, const std::map<std::string, std::string>& files) {
  const auto key = crypto::ed25519_keypair();
  srv.app().add_trusted_key(key.public_key, "test publisher");
  auto h = TestServer::bearer(srv.admin_token());
  h["content-type"] = "application/octet-stream";
  auto res = srv.post("/api/v1/bundles", build_bundle(files, key), h);
  REQUIRE(res.status == 201);
}

std::map<std::string, std::string> k1_files(int version = 2) {
  json c = trailpack::test::kpi_fixture::k1_json();
  c["version"] = version;
  return {{"course.json", c.dump()}};
}

json get_json(TestServer& srv, const std::string& path, const std::string& token) {
  auto res = srv.get(path, TestServer::bearer(token));
  INFO(path << " -> " << res.status << " " << res.body);
  REQUIRE(res.status == 200);
  return body_json(res);
}

const json& row_where(const json& rows, const std::string& key, const std::string& value) {
  for (const auto& r : rows)
    if (r[key] == value) return r;
  FAIL("no row with " << key << " = " << value << " in " << rows.dump());
  throw std::logic_error("unreachable");
}

void check_opt(const json& v, const std::optional<double>& expected) {
  if (!expected) {
    CHECK(v.is_null());
  } else {
    REQUIRE(v.is_number());
    CHECK(v.get<double>() == Approx(*expected).margin(1e-12));
  }
}

// Four learners, one manager of North (and its subgroup Night), one idle manager.
//   ann: North, team A, site N, operator    bob: Night (under North), team A, site S, operator
//   cid: South, team B, site N, lead        dan: South, team B, site S, operator (no activity)
// Published: k1 (tests/shared/kpi_fixtures.hpp) and the fixture course safety-basics.
struct World {
  TestServer srv;
  Device ann, bob, cid, dan;
  std::string manager, idle;
  std::map<std::string, std::vector<json>> pushed;  // user id -> every statement pushed

  World() {
    publish(srv, k1_files());
    publish(srv, demo_course_files());
    ann = srv.enroll_learner("ann@example.com", "Ann");
    bob = srv.enroll_learner("bob@example.com", "Bob");
    cid = srv.enroll_learner("cid@example.com", "Cid");
    dan = srv.enroll_learner("dan@example.com", "Dan");
    const std::string org = org_id(srv);
    const std::string mgr = add_staff(srv, "manager@example.com", "manager", "manager-pass-1");
    add_staff(srv, "idle@example.com", "manager", "manager-pass-2");
    srv.app().db().write([&](Connection& c) {
      c.exec("INSERT INTO user_groups(id, org_id, name, parent_id, created_ms) VALUES ('g-north', $1, 'North', NULL, 1)", {org});
      c.exec("INSERT INTO user_groups(id, org_id, name, parent_id, created_ms) VALUES ('g-night', $1, 'Night', 'g-north', 1)", {org});
      c.exec("INSERT INTO user_groups(id, org_id, name, parent_id, created_ms) VALUES ('g-south', $1, 'South', NULL, 1)", {org});
      auto attrs = [&](const Device& d, const char* group, const char* team, const char* site, const char* job) {
        c.exec("INSERT INTO group_members(group_id, user_id) VALUES ($1, $2)", {std::string(group), d.user_id});
        c.exec("UPDATE users SET team = $1, site = $2, job_role = $3 WHERE id = $4",
               {std::string(team), std::string(site), std::string(job), d.user_id});
      };
      attrs(ann, "g-north", "A", "N", "operator");
      attrs(bob, "g-night", "A", "S", "operator");
      attrs(cid, "g-south", "B", "N", "lead");
      attrs(dan, "g-south", "B", "S", "operator");
      c.exec("INSERT INTO manager_scopes(user_id, group_id) VALUES ($1, 'g-north')", {mgr});
    });
    manager = login(srv, "manager@example.com", "manager-pass-1");
    idle = login(srv, "idle@example.com", "manager-pass-2");
  }

  void send(const Device& d, const std::vector<json>& statements) {
    auto res = push(srv, d, statements);
    INFO(res.body);
    REQUIRE(res.status == 200);
    REQUIRE(body_json(res)["stored"] == statements.size());
    auto& all = pushed[d.user_id];
    all.insert(all.end(), statements.begin(), statements.end());
  }

  // The activity of November (see each learner's line).
  void play() {
    // ann: intro (5th); pre-test a1 = .5 (p1 right, p2 wrong); lesson (10th); post-test
    // b1 = 1 passed (12th); scenario .5; hot survey r=4, len=right, txt (12th): k1
    // complete on the 12th at the hot survey. Cold survey r=5 on the 20th.
    Log a("k1", 'a', ann.agent);
    a.card("intro", nov(5), 60'000);
    a.attempt("pre", "a1", nov(5) + 1 * kMin, {"p1", "p2"});
    a.answer("pre", "p1", "a1", nov(5) + 2 * kMin, 1.0);
    a.answer("pre", "p2", "a1", nov(5) + 3 * kMin, 0.0);
    a.finish("pre", "a1", nov(5) + 4 * kMin, 0.5, false, 180'000);
    a.card("lesson", nov(10), 120'000);
    a.attempt("post", "b1", nov(12), {"t1", "t2"});
    a.answer("post", "t1", "b1", nov(12) + 1 * kMin, 1.0);
    a.answer("post", "t2", "b1", nov(12) + 2 * kMin, 1.0);
    a.finish("post", "b1", nov(12) + 3 * kMin, 1.0, true, 90'000);
    a.add(verbs::kAnswered, a.item("scen") + ":node:n1", nov(12) + 4 * kMin, {{"response", "go"}}, "run1", a.item("scen"));
    a.add(verbs::kCompleted, a.item("scen"), nov(12) + 5 * kMin, {{"completion", true}, {"score", {{"scaled", 0.5}}}}, "run1");
    a.respond("hot", "r", "4", nov(12) + 6 * kMin);
    a.respond("hot", "len", "right", nov(12) + 6 * kMin);
    a.respond("hot", "txt", "=HYPERLINK(\"http://x\")", nov(12) + 6 * kMin);
    a.add(verbs::kCompleted, a.item("hot"), nov(12) + 6 * kMin, {{"completion", true}});
    a.respond("cold", "applied", "5", nov(20));
    send(ann, a.all);
    // bob: intro (15th); pre-test a1 = 0 (both wrong); flashcard f1 (16th); safety-basics welcome (16th).
    Log b("k1", 'b', bob.agent);
    b.card("intro", nov(15), 30'000);
    b.attempt("pre", "a1", nov(15) + 1 * kMin, {"p1", "p2"});
    b.answer("pre", "p1", "a1", nov(15) + 2 * kMin, 0.0);
    b.answer("pre", "p2", "a1", nov(15) + 3 * kMin, 0.0);
    b.finish("pre", "a1", nov(15) + 4 * kMin, 0.0, false, 60'000);
    b.add(verbs::kAnswered, trailpack::progress::flashcard_iri("k1", "deck", "f1"), nov(16), {{"response", "good"}}, "", b.item("deck"));
    b.respond("hot", "r", "2", nov(16) + kMin);
    Log b2("safety-basics", 'c', bob.agent);
    b2.card("welcome", nov(16), 20'000);
    std::vector<json> all = b.all;
    all.insert(all.end(), b2.all.begin(), b2.all.end());
    send(bob, all);
    // cid: intro on the 25th; pre-test a1 = 1 (both right) passed.
    Log c("k1", 'd', cid.agent);
    c.card("intro", nov(25), 10'000);
    c.attempt("pre", "a1", nov(25) + 1 * kMin, {"p1", "p2"});
    c.answer("pre", "p1", "a1", nov(25) + 2 * kMin, 1.0);
    c.answer("pre", "p2", "a1", nov(25) + 3 * kMin, 1.0);
    c.finish("pre", "a1", nov(25) + 4 * kMin, 1.0, true, 40'000);
    send(cid, c.all);
  }

  std::vector<std::shared_ptr<const trailpack::bundle::Course>> courses() {
    std::vector<std::shared_ptr<const trailpack::bundle::Course>> out;
    srv.app().db().read([&](Connection& c) {
      for (const char* id : {"k1", "safety-basics"}) out.push_back(srv.app().published_course(c, id));
    });
    return out;
  }

  // The reference inputs for a set of learners (the caller's scope).
  struct Reference {
    std::vector<kpi::Learner> roster;
    std::vector<kpi::Assignment> assigned;
    std::vector<kpi::LearnerCourseFacts> facts;
    std::vector<kpi::Activity> activity;
    std::vector<trailpack::bundle::Course> courses;
  };
  Reference reference(const std::vector<const Device*>& who) {
    Reference r;
    const std::map<std::string, kpi::Learner> attrs = {{ann.user_id, {ann.user_id, "A", "N", "operator"}},
                                                       {bob.user_id, {bob.user_id, "A", "S", "operator"}},
                                                       {cid.user_id, {cid.user_id, "B", "N", "lead"}},
                                                       {dan.user_id, {dan.user_id, "B", "S", "operator"}}};
    for (const auto& c : courses()) r.courses.push_back(*c);
    for (const Device* d : who) {
      r.roster.push_back(attrs.at(d->user_id));
      for (const auto& c : r.courses) {
        r.assigned.push_back({d->user_id, c.id});
        std::vector<trailpack::xapi::StatementView> views;
        for (const auto& s : pushed[d->user_id]) views.push_back(trailpack::xapi::view_of(s));
        auto f = kpi::facts_of(c, views);
        f.user_id = d->user_id;
        if (f.started()) r.facts.push_back(std::move(f));
      }
      for (const auto& s : pushed[d->user_id]) {
        const auto v = trailpack::xapi::view_of(s);
        const std::string prefix = "urn:trailpack:course:";
        std::string course = v.object_id.substr(prefix.size());
        course = course.substr(0, course.find(':'));
        r.activity.push_back({d->user_id, course, v.timestamp});
      }
    }
    return r;
  }
};

const std::string kNov = "from=2026-11-01&to=2026-11-30";

}  // namespace

TEST_CASE("kpi: engagement per course, worked out by hand", "[sync][kpi]") {
  World w;
  w.play();
  const json j = get_json(w.srv, "/api/v1/admin/kpi/engagement?" + kNov, w.srv.admin_token());
  CHECK(j["filters"] == json{{"from", "2026-11-01"}, {"to", "2026-11-30"}});
  CHECK(j["columns"] == json{"course", "title", "assigned", "started", "completed", "completed_in_period", "active_learners",
                             "participation_rate", "completion_rate", "time_spent_ms", "avg_time_spent_ms"});
  REQUIRE(j["rows"].size() == 2);
  // k1: 4 assigned; ann, bob, cid started; ann completed (12th); all three active in November.
  const json& k1 = row_where(j["rows"], "course", "k1");
  CHECK(k1["title"] == "KPI course");
  CHECK(k1["assigned"] == 4);
  CHECK(k1["started"] == 3);
  CHECK(k1["completed"] == 1);
  CHECK(k1["completed_in_period"] == 1);
  CHECK(k1["active_learners"] == 3);
  CHECK(k1["participation_rate"] == 0.75);
  CHECK(k1["completion_rate"] == 0.25);
  // Time: ann 60 + 180 + 120 + 90 s; bob 30 + 60 s; cid 10 + 40 s.
  CHECK(k1["time_spent_ms"] == 590'000);
  check_opt(k1["avg_time_spent_ms"], 590'000.0 / 3);
  // safety-basics: bob only.
  const json& sb = row_where(j["rows"], "course", "safety-basics");
  CHECK(sb["assigned"] == 4);
  CHECK(sb["started"] == 1);
  CHECK(sb["completed"] == 0);
  // Active learners: ann, bob, cid of 4.
  CHECK(j["learners"] == 4);
  CHECK(j["active_learners"] == 3);
  CHECK(j["active_rate"] == 0.75);

  // Up to the 20th: cid (25th) has not started; ann is still complete.
  const json early = get_json(w.srv, "/api/v1/admin/kpi/engagement?course=k1&from=2026-11-01&to=2026-11-20", w.srv.admin_token());
  REQUIRE(early["rows"].size() == 1);
  CHECK(early["rows"][0]["started"] == 2);
  CHECK(early["rows"][0]["completed"] == 1);
  CHECK(early["rows"][0]["active_learners"] == 2);
  CHECK(early["active_rate"] == 0.5);
  // From the 13th: ann's completion is before the period (completed, not in period).
  const json late = get_json(w.srv, "/api/v1/admin/kpi/engagement?course=k1&from=2026-11-13&to=2026-11-30", w.srv.admin_token());
  CHECK(late["rows"][0]["completed"] == 1);
  CHECK(late["rows"][0]["completed_in_period"] == 0);
  CHECK(late["rows"][0]["active_learners"] == 3);  // ann's cold survey (20th), bob, cid
}

TEST_CASE("kpi: every table equals the shared reference aggregates", "[sync][kpi]") {
  World w;
  w.play();
  for (const bool as_manager : {false, true}) {
    INFO((as_manager ? "manager of North" : "admin"));
    const std::string token = as_manager ? w.manager : w.srv.admin_token();
    const auto ref = as_manager ? w.reference({&w.ann, &w.bob}) : w.reference({&w.ann, &w.bob, &w.cid, &w.dan});
    const kpi::Period period{nov(1) - 10 * 3600'000, nov(30) + 14 * 3600'000};  // Nov 1 00:00 to Dec 1 00:00

    for (const char* by : {"course", "team", "site", "job_role"}) {
      const json j = get_json(w.srv, "/api/v1/admin/kpi/engagement?by=" + std::string(by) + "&" + kNov, token);
      const auto rows = kpi::engagement(ref.roster, ref.assigned, ref.facts, ref.activity, period, *kpi::dimension_from(by));
      REQUIRE(j["rows"].size() == rows.size());
      for (const auto& e : rows) {
        const json& r = row_where(j["rows"], by, e.key);
        CHECK(r["assigned"] == e.assigned);
        CHECK(r["started"] == e.started);
        CHECK(r["completed"] == e.completed);
        CHECK(r["completed_in_period"] == e.completed_in_period);
        CHECK(r["active_learners"] == e.active_learners);
        CHECK(r["time_spent_ms"] == e.time_spent_ms);
        check_opt(r["participation_rate"], e.participation_rate);
        check_opt(r["completion_rate"], e.completion_rate);
        check_opt(r["avg_time_spent_ms"], e.avg_time_spent_ms);
      }
      const auto active = kpi::active_learners(ref.roster, ref.assigned, ref.activity, period);
      CHECK(j["learners"] == active.learners);
      CHECK(j["active_learners"] == active.active);
    }

    const json act = get_json(w.srv, "/api/v1/admin/kpi/activity?course=k1&" + kNov, token);
    const auto days = kpi::activity_by_day(ref.roster, ref.assigned, ref.activity, period, "k1");
    REQUIRE(act["rows"].size() == days.size());
    for (std::size_t i = 0; i < days.size(); ++i) {
      CHECK(act["rows"][i]["active_learners"] == days[i].active_learners);
      CHECK(act["rows"][i]["statements"] == days[i].statements);
    }

    const json mods = get_json(w.srv, "/api/v1/admin/kpi/modules?course=k1&" + kNov, token);
    const auto mrows = kpi::module_completion(ref.courses[0], ref.roster, ref.assigned, ref.facts, period);
    REQUIRE(mods["rows"].size() == mrows.size());
    for (std::size_t i = 0; i < mrows.size(); ++i) {
      CHECK(mods["rows"][i]["module_id"] == mrows[i].module_id);
      CHECK(mods["rows"][i]["assigned"] == mrows[i].assigned);
      CHECK(mods["rows"][i]["started"] == mrows[i].started);
      CHECK(mods["rows"][i]["completed"] == mrows[i].completed);
      check_opt(mods["rows"][i]["completion_rate"], mrows[i].completion_rate);
    }

    const json inter = get_json(w.srv, "/api/v1/admin/kpi/interactions?" + kNov, token);
    const auto irows = kpi::interactions(ref.courses, ref.roster, ref.assigned, ref.facts, period);
    REQUIRE(inter["rows"].size() == irows.size());
    for (std::size_t i = 0; i < irows.size(); ++i) {
      CHECK(inter["rows"][i]["course_id"] == irows[i].course_id);
      CHECK(inter["rows"][i]["type"] == irows[i].type);
      CHECK(inter["rows"][i]["items"] == irows[i].items);
      CHECK(inter["rows"][i]["engaged"] == irows[i].engaged);
      CHECK(inter["rows"][i]["item_completions"] == irows[i].item_completions);
      check_opt(inter["rows"][i]["participation_rate"], irows[i].participation_rate);
    }

    const json sc = get_json(w.srv, "/api/v1/admin/kpi/scores", token);
    const auto srows = kpi::scores(ref.courses, ref.roster, ref.assigned, ref.facts);
    REQUIRE(sc["rows"].size() == srows.size());
    for (std::size_t i = 0; i < srows.size(); ++i) {
      CHECK(sc["rows"][i]["item_id"] == srows[i].item_id);
      CHECK(sc["rows"][i]["learners"] == srows[i].learners);
      CHECK(sc["rows"][i]["attempts"] == srows[i].attempts);
      CHECK(sc["rows"][i]["passed"] == srows[i].passed);
      check_opt(sc["rows"][i]["pass_rate"], srows[i].pass_rate);
      check_opt(sc["rows"][i]["mean_best_score"], srows[i].mean_best_score);
      for (int b = 0; b < kpi::kScoreBins; ++b)
        CHECK(sc["rows"][i]["bin_" + std::to_string(b * 10)] == srows[i].distribution[static_cast<std::size_t>(b)]);
    }

    const json g = get_json(w.srv, "/api/v1/admin/kpi/gain", token);
    const auto grows = kpi::course_gain(ref.roster, ref.assigned, ref.facts);
    REQUIRE(g["rows"].size() == grows.size());
    for (std::size_t i = 0; i < grows.size(); ++i) {
      CHECK(g["rows"][i]["course_id"] == grows[i].key);
      CHECK(g["rows"][i]["pre_n"] == grows[i].pre_n);
      CHECK(g["rows"][i]["post_n"] == grows[i].post_n);
      CHECK(g["rows"][i]["paired_n"] == grows[i].paired_n);
      check_opt(g["rows"][i]["mean_pre"], grows[i].mean_pre);
      check_opt(g["rows"][i]["mean_post"], grows[i].mean_post);
      check_opt(g["rows"][i]["mean_gain"], grows[i].mean_gain);
    }

    const json o = get_json(w.srv, "/api/v1/admin/kpi/objectives?course=k1", token);
    const auto orows = kpi::objective_gain("k1", ref.roster, ref.assigned, ref.facts);
    REQUIRE(o["rows"].size() == orows.size());
    for (std::size_t i = 0; i < orows.size(); ++i) {
      CHECK(o["rows"][i]["objective"] == orows[i].key);
      CHECK(o["rows"][i]["pre_n"] == orows[i].pre_n);
      CHECK(o["rows"][i]["paired_n"] == orows[i].paired_n);
      check_opt(o["rows"][i]["mean_pre"], orows[i].mean_pre);
      check_opt(o["rows"][i]["mean_post"], orows[i].mean_post);
      check_opt(o["rows"][i]["mean_gain"], orows[i].mean_gain);
    }

    const json q = get_json(w.srv, "/api/v1/admin/kpi/questions", token);
    const auto qrows = kpi::item_analysis(ref.roster, ref.assigned, ref.facts);
    REQUIRE(q["rows"].size() == qrows.size());
    for (std::size_t i = 0; i < qrows.size(); ++i) {
      CHECK(q["rows"][i]["question_id"] == qrows[i].question_id);
      CHECK(q["rows"][i]["answers"] == qrows[i].sums.n);
      CHECK(q["rows"][i]["correct"] == qrows[i].sums.correct);
      check_opt(q["rows"][i]["difficulty"], qrows[i].stats.difficulty);
      check_opt(q["rows"][i]["discrimination"], qrows[i].stats.discrimination);
    }

    for (const char* by : {"course", "site"}) {
      const json sv = get_json(w.srv, "/api/v1/admin/kpi/surveys?by=" + std::string(by) + "&" + kNov, token);
      const auto vrows = kpi::surveys(ref.courses, ref.roster, ref.assigned, ref.facts, period, *kpi::dimension_from(by));
      REQUIRE(sv["rows"].size() == vrows.size());
      for (std::size_t i = 0; i < vrows.size(); ++i) {
        CHECK(sv["rows"][i]["question_id"] == vrows[i].question_id);
        CHECK(sv["rows"][i]["responses"] == vrows[i].responses);
        check_opt(sv["rows"][i]["mean_rating"], vrows[i].mean_rating);
        if (std::string(by) == "site") CHECK(sv["rows"][i]["site"] == vrows[i].group);
      }
    }
  }
}

TEST_CASE("kpi: learning tables, worked out by hand", "[sync][kpi]") {
  World w;
  w.play();
  const std::string admin = w.srv.admin_token();
  // Pre-test: ann .5 (failed), bob 0 (failed), cid 1 (passed): mean .5, pass rate 1/3;
  // bins: 0 -> bin 0, .5 -> bin 5, 1 -> bin 9.
  const json sc = get_json(w.srv, "/api/v1/admin/kpi/scores?course=k1", admin);
  const json& pre = row_where(sc["rows"], "item_id", "pre");
  CHECK(pre["role"] == "pretest");
  CHECK(pre["learners"] == 3);
  CHECK(pre["attempts"] == 3);
  CHECK(pre["passed"] == 1);
  check_opt(pre["pass_rate"], 1.0 / 3);
  check_opt(pre["mean_best_score"], 0.5);
  CHECK(pre["bin_0"] == 1);
  CHECK(pre["bin_50"] == 1);
  CHECK(pre["bin_90"] == 1);
  // Gain: pre ann .5, bob 0, cid 1 (mean .5); post ann 1; paired ann: 1 - .5.
  const json g = get_json(w.srv, "/api/v1/admin/kpi/gain", admin);
  REQUIRE(g["rows"].size() == 1);
  CHECK(g["rows"][0]["course_id"] == "k1");
  CHECK(g["rows"][0]["pre_n"] == 3);
  check_opt(g["rows"][0]["mean_pre"], 0.5);
  CHECK(g["rows"][0]["post_n"] == 1);
  check_opt(g["rows"][0]["mean_post"], 1.0);
  CHECK(g["rows"][0]["paired_n"] == 1);
  check_opt(g["rows"][0]["mean_gain"], 0.5);
  // Overall: the one course's sums.
  CHECK(g["overall"]["pre_n"] == 3);
  CHECK(g["overall"]["paired_n"] == 1);
  check_opt(g["overall"]["mean_gain"], 0.5);
  // Objectives: A (p1, t1): pre ann 1, bob 0, cid 1; post ann 1. B (p2, t2): pre ann 0, bob 0, cid 1; post ann 1.
  const json o = get_json(w.srv, "/api/v1/admin/kpi/objectives?course=k1", admin);
  REQUIRE(o["rows"].size() == 2);
  check_opt(o["rows"][0]["mean_pre"], 2.0 / 3);
  check_opt(o["rows"][0]["mean_gain"], 0.0);
  check_opt(o["rows"][1]["mean_pre"], 1.0 / 3);
  check_opt(o["rows"][1]["mean_gain"], 1.0);
  // Questions: p2 right for cid only (totals ann .5, bob 0, cid 1): p = 1/3, M1 = 1,
  // M0 = .25, s = sqrt(5/12 - 1/4); r = .75 / s * sqrt(2/9) = sqrt(3)/2 * ... (see below).
  // p1 right for ann and cid: p = 2/3, M1 = .75, M0 = 0.
  const json q = get_json(w.srv, "/api/v1/admin/kpi/questions?course=k1", admin);
  REQUIRE(q["rows"].size() == 4);  // p2 (1/3), p1 (2/3), t1 and t2 (1: ann only)
  CHECK(q["rows"][0]["question_id"] == "p2");
  CHECK(q["rows"][0]["prompt"] == "P p2");
  CHECK(q["rows"][0]["objectives"] == "B");
  check_opt(q["rows"][0]["difficulty"], 1.0 / 3);
  const double s = std::sqrt((0.25 + 0 + 1) / 3 - 0.25);
  check_opt(q["rows"][0]["discrimination"], (1 - 0.25) / s * std::sqrt(1.0 / 3 * 2.0 / 3));
  CHECK(q["rows"][1]["question_id"] == "p1");
  check_opt(q["rows"][1]["discrimination"], (0.75 - 0) / s * std::sqrt(2.0 / 3 * 1.0 / 3));
  check_opt(q["rows"][2]["difficulty"], 1.0);
  CHECK(q["rows"][2]["discrimination"].is_null());  // everyone right
  // limit
  CHECK(get_json(w.srv, "/api/v1/admin/kpi/questions?course=k1&limit=1", admin)["rows"].size() == 1);
}

TEST_CASE("kpi: hot and cold evaluations and their comments", "[sync][kpi]") {
  World w;
  w.play();
  const std::string admin = w.srv.admin_token();
  const json hot = get_json(w.srv, "/api/v1/admin/kpi/surveys?role=hot&" + kNov, admin);
  REQUIRE(hot["rows"].size() == 3);
  // r: ann 4, bob 2.
  CHECK(hot["rows"][0]["question_id"] == "r");
  CHECK(hot["rows"][0]["prompt"] == "Rate");
  CHECK(hot["rows"][0]["responses"] == 2);
  CHECK(hot["rows"][0]["mean_rating"] == 3.0);
  CHECK(hot["rows"][0]["distribution"] == "1:0;2:1;3:0;4:1;5:0");
  CHECK(hot["rows"][1]["distribution"] == "short:0;right:1;long:0");
  CHECK(hot["rows"][2]["responses"] == 1);
  const json cold = get_json(w.srv, "/api/v1/admin/kpi/surveys?role=cold&" + kNov, admin);
  REQUIRE(cold["rows"].size() == 1);
  CHECK(cold["rows"][0]["mean_rating"] == 5.0);
  const json by_team = get_json(w.srv, "/api/v1/admin/kpi/surveys?role=hot&by=team&" + kNov, admin);
  CHECK(by_team["rows"][0]["team"] == "A");
  CHECK(by_team["rows"][0]["mean_rating"] == 3.0);

  const json comments = get_json(w.srv, "/api/v1/admin/kpi/comments?" + kNov, admin);
  REQUIRE(comments["rows"].size() == 1);
  CHECK(comments["rows"][0]["text"] == "=HYPERLINK(\"http://x\")");
  CHECK(comments["rows"][0]["prompt"] == "Say");
  CHECK(comments["rows"][0]["team"] == "A");
  CHECK(comments["rows"][0]["answered_at"] == "2026-11-12T10:06:00.000Z");
  CHECK(comments["next_offset"].is_null());
  // The CSV neutralises the formula and quotes the cell.
  auto csv = w.srv.get("/api/v1/admin/kpi/comments?format=csv&" + kNov, TestServer::bearer(admin));
  REQUIRE(csv.status == 200);
  CHECK(csv.headers["content-type"] == "text/csv; charset=utf-8");
  CHECK(csv.headers["content-disposition"] == "attachment; filename=\"trailpack-comments.csv\"");
  CHECK(csv.body ==
        "course_id,item_id,role,question_id,prompt,answered_at,team,site,job_role,text\r\n"
        "k1,hot,hot,txt,Say,2026-11-12T10:06:00.000Z,A,N,operator,\"'=HYPERLINK(\"\"http://x\"\")\"\r\n");
}

TEST_CASE("kpi: CSV export is the same table, escaped against formula injection", "[sync][kpi][csv]") {
  World w;
  w.play();
  w.srv.app().db().write([&](Connection& c) {
    c.exec("UPDATE users SET team = '=cmd|''/c calc''!A1' WHERE id = $1", {w.ann.user_id});
    c.exec("UPDATE users SET team = '@SUM(1,2)' WHERE id = $1", {w.cid.user_id});
  });
  const std::string admin = w.srv.admin_token();
  const json j = get_json(w.srv, "/api/v1/admin/kpi/engagement?by=team&course=k1&" + kNov, admin);
  auto res = w.srv.get("/api/v1/admin/kpi/engagement?by=team&course=k1&format=csv&" + kNov, TestServer::bearer(admin));
  REQUIRE(res.status == 200);
  // Rows by team: "=cmd|'/c calc'!A1" (ann), "@SUM(1,2)" (cid), "A" (bob), "B" (dan).
  CHECK(res.body ==
        "team,assigned,started,completed,completed_in_period,active_learners,participation_rate,completion_rate,"
        "time_spent_ms,avg_time_spent_ms\r\n"
        "'=cmd|'/c calc'!A1,1,1,1,1,1,1.0,1.0,450000,450000.0\r\n"
        "\"'@SUM(1,2)\",1,1,0,0,1,1.0,0.0,50000,50000.0\r\n"
        "A,1,1,0,0,1,1.0,0.0,90000,90000.0\r\n"
        "B,1,0,0,0,0,0.0,0.0,0,\r\n");
  REQUIRE(j["rows"].size() == 4);
  CHECK(j["rows"][0]["team"] == "=cmd|'/c calc'!A1");  // JSON keeps the value as it is
  // Negative numbers are numbers, not formulas: no prefix.
  w.srv.app().db().write([&](Connection& c) {
    c.exec("UPDATE kpi_learner_course SET pretest_score = 1.0, posttest_score = 0.75 WHERE user_id = $1", {w.ann.user_id});
  });
  auto gain = w.srv.get("/api/v1/admin/kpi/gain?format=csv", TestServer::bearer(admin));
  CHECK(gain.body.find(",-0.25\r\n") != std::string::npos);
  // Every table endpoint answers CSV.
  for (const char* name : {"engagement", "activity", "interactions", "scores", "gain", "objectives", "questions", "surveys",
                           "comments", "sync", "devices", "flags"}) {
    auto r = w.srv.get(std::string("/api/v1/admin/kpi/") + name + "?format=csv", TestServer::bearer(admin));
    INFO(name << ": " << r.body);
    CHECK(r.status == 200);
    CHECK(r.headers["content-type"] == "text/csv; charset=utf-8");
  }
  CHECK(w.srv.get("/api/v1/admin/kpi/modules?course=k1&format=csv", TestServer::bearer(admin)).status == 200);
  CHECK(w.srv.get("/api/v1/admin/learners?format=csv", TestServer::bearer(admin)).status == 200);
}

TEST_CASE("kpi: managers see their groups only; other scopes are refused", "[sync][kpi][scope]") {
  World w;
  w.play();
  // The manager of North sees ann and Night's bob.
  const json j = get_json(w.srv, "/api/v1/admin/kpi/engagement?course=k1&" + kNov, w.manager);
  REQUIRE(j["rows"].size() == 1);
  CHECK(j["rows"][0]["assigned"] == 2);
  CHECK(j["rows"][0]["started"] == 2);
  CHECK(j["learners"] == 2);
  // A subgroup of their group is theirs too.
  CHECK(get_json(w.srv, "/api/v1/admin/kpi/engagement?course=k1&group=g-night&" + kNov, w.manager)["rows"][0]["assigned"] == 1);
  // Another group, an unknown one, another organisation: 403 with where.
  for (const std::string q : {"group=g-south", "group=g-nowhere", "org=org-other"}) {
    auto res = w.srv.get("/api/v1/admin/kpi/engagement?" + q, TestServer::bearer(w.manager));
    CHECK(res.status == 403);
    CHECK(error_code(res) == "forbidden");
  }
  CHECK(error_message(w.srv.get("/api/v1/admin/kpi/scores?group=g-south", TestServer::bearer(w.manager))) ==
        "this group is outside your scope");
  CHECK(error_where(w.srv.get("/api/v1/admin/kpi/scores?group=g-south", TestServer::bearer(w.manager))) == "group");
  // The admin may filter on any group of the organisation.
  CHECK(get_json(w.srv, "/api/v1/admin/kpi/engagement?course=k1&group=g-south&" + kNov, w.srv.admin_token())["rows"][0]["assigned"] == 2);
  // A manager with no group sees no rows anywhere.
  for (const char* name : {"engagement", "gain", "objectives", "questions", "comments", "devices", "flags"}) {
    const json none = get_json(w.srv, std::string("/api/v1/admin/kpi/") + name, w.idle);
    INFO(name);
    CHECK(none["rows"].empty());
  }
  // Tables with a row per course, quiz or activity type keep their rows, with nobody in them.
  const json idle_scores = get_json(w.srv, "/api/v1/admin/kpi/scores", w.idle);
  for (const auto& r : idle_scores["rows"]) CHECK(r["learners"] == 0);
  const json idle_interactions = get_json(w.srv, "/api/v1/admin/kpi/interactions", w.idle);
  CHECK_FALSE(idle_interactions["rows"].empty());
  for (const auto& r : idle_interactions["rows"]) CHECK(r["assigned"] == 0);
  CHECK(get_json(w.srv, "/api/v1/admin/kpi/sync", w.idle)["rows"][0] == json{{"metric", "learners"}, {"value", 0}});
  // Their drill-downs: another group's learner is refused.
  CHECK(w.srv.get("/api/v1/admin/learners/" + w.cid.user_id, TestServer::bearer(w.manager)).status == 403);
  CHECK(w.srv.get("/api/v1/admin/learners/" + w.cid.user_id + "/statements", TestServer::bearer(w.manager)).status == 403);
  CHECK(w.srv.get("/api/v1/admin/learners/" + w.bob.user_id, TestServer::bearer(w.manager)).status == 200);
  // Learners and anonymous callers are kept out.
  CHECK(w.srv.get("/api/v1/admin/kpi/engagement", TestServer::bearer(w.ann.access_token)).status == 403);
  CHECK(w.srv.get("/api/v1/admin/kpi/engagement").status == 401);
  // Filter options: the manager's groups only.
  const json f = get_json(w.srv, "/api/v1/admin/kpi/filters", w.manager);
  CHECK(f["groups"].size() == 2);
  CHECK(f["teams"] == json{"A"});
  CHECK(f["sites"] == json{"N", "S"});
  CHECK(get_json(w.srv, "/api/v1/admin/kpi/filters", w.srv.admin_token())["teams"] == json{"A", "B"});
}

TEST_CASE("kpi: filters are checked and bad values are refused with where", "[sync][kpi]") {
  World w;
  const std::string admin = w.srv.admin_token();
  struct Case {
    std::string query, where, message;
  };
  for (const auto& c : std::vector<Case>{
           {"from=2026-13-01", "from", "from must be a date written YYYY-MM-DD"},
           {"to=2026-02-30", "to", "to must be a date written YYYY-MM-DD"},
           {"from=2026-11-20&to=2026-11-01", "from", "from is after to"},
           {"from=2000-01-01&to=2026-11-01", "from", "the period is longer than 3660 days"},
           {"by=colour", "by", "by must be course, team, site or job_role"},
           {"format=xml", "format", "format must be json or csv"},
           {"team=" + std::string(201, 'x'), "team", "team is longer than 200 bytes"}}) {
    auto res = w.srv.get("/api/v1/admin/kpi/engagement?" + c.query, TestServer::bearer(admin));
    INFO(c.query);
    CHECK(res.status == 400);
    CHECK(error_code(res) == "invalid_parameter");
    CHECK(error_where(res) == c.where);
    CHECK(error_message(res) == c.message);
  }
  auto res = w.srv.get("/api/v1/admin/kpi/questions?limit=0", TestServer::bearer(admin));
  CHECK(res.status == 400);
  CHECK(error_message(res) == "limit must be a whole number from 1 to 1000");
  res = w.srv.get("/api/v1/admin/kpi/modules", TestServer::bearer(admin));
  CHECK(res.status == 400);
  CHECK(error_message(res) == "course is required");
  res = w.srv.get("/api/v1/admin/kpi/surveys?role=warm", TestServer::bearer(admin));
  CHECK(res.status == 400);
  CHECK(error_message(res) == "role must be hot or cold");
  CHECK(error_where(res) == "role");
}

TEST_CASE("kpi: data health, last syncs, lag, flagged scores, unsynced estimate", "[sync][kpi][health]") {
  TestServer srv;
  publish(srv, k1_files());
  Device ann = srv.enroll_learner("ann@example.com", "Ann");
  Device bob = srv.enroll_learner("bob@example.com", "Bob");  // enrolled, never pushes
  srv.app().create_user(org_id(srv), "cid@example.com", "Cid", "learner", "");  // no device
  const TimeMs now = srv.app().now_ms();
  // ann: two actions 30 min ago (one an answer the server scores 0: flagged), one 2
  // days ago, one 20 days ago: lags under 1 h (2), under 7 d, over 7 d.
  Log a("k1", 'a', ann.agent);
  a.card("intro", now - 30 * kMin);
  a.add(verbs::kAnswered, trailpack::bundle::question_iri("k1", "p1"), now - 30 * kMin,
        {{"response", "false"}, {"success", true}, {"score", {{"scaled", 1.0}}}}, "a1", a.item("pre"));
  a.card("lesson", now - 2 * kDay);
  a.card("intro", now - 20 * kDay);
  REQUIRE(body_json(push(srv, ann, a.all))["stored"] == 4);
  // Her device's last push is set back to 14 days ago.
  srv.app().db().write([&](Connection& c) {
    c.exec("UPDATE devices SET last_push_ms = $1 WHERE id = $2", {now - 14 * kDay, ann.device_id});
  });
  const std::string admin = srv.admin_token();
  const json j = get_json(srv, "/api/v1/admin/kpi/sync", admin);
  std::map<std::string, json> m;
  for (const auto& r : j["rows"]) m[r["metric"]] = r["value"];
  CHECK(m["learners"] == 3);
  CHECK(m["learners_with_device"] == 2);
  CHECK(m["synced_last_24h"] == 0);
  CHECK(m["synced_last_7d"] == 0);
  CHECK(m["not_synced_7d"] == 1);
  CHECK(m["never_synced"] == 2);
  // The estimate: lags of recent arrivals 2 under 1 h, 1 under 7 days, 1 over 7 days (half
  // arrive at once, three quarters within 7 days); the activity seen per day, each day
  // corrected by the share expected to have arrived by now (the server's `now`).
  const kpi::LagCdf cdf = kpi::lag_cdf({2, 0, 1, 1});
  const std::map<std::int64_t, std::int64_t> seen = {
      {kpi::day_of(now - 30 * kMin), 2}, {kpi::day_of(now - 2 * kDay), 1}, {kpi::day_of(now - 20 * kDay), 1}};
  const double expected = *kpi::unsynced_estimate(cdf, seen, j["now"].get<TimeMs>());
  CHECK(expected > 2.0);  // today's 2 with half arrived: at least 2 more
  CHECK(m["unsynced_estimate"].get<double>() == Approx(expected));
  CHECK(m["statements_received"] == 4);
  CHECK(m["lag_under_1h"] == 2);
  CHECK(m["lag_under_1d"] == 0);
  CHECK(m["lag_under_7d"] == 1);
  CHECK(m["lag_over_7d"] == 1);
  CHECK(m["max_lag_ms"].get<double>() == Approx(20.0 * kDay).margin(60'000));
  CHECK(m["mean_lag_ms"].get<double>() == Approx((60.0 * kMin + 22.0 * kDay) / 4).margin(60'000));
  CHECK(m["flagged_scores"] == 1);

  // Devices, stalest first: bob (never), cid (no device), then ann.
  const json d = get_json(srv, "/api/v1/admin/kpi/devices", admin);
  REQUIRE(d["rows"].size() == 3);
  CHECK(d["rows"][0]["name"] == "Bob");
  CHECK(d["rows"][0]["device_id"] == bob.device_id);
  CHECK(d["rows"][0]["last_push_at"].is_null());
  CHECK(d["rows"][0]["unsynced_estimate"] == 0.0);  // no recent activity of his
  CHECK(d["rows"][1]["name"] == "Cid");
  CHECK(d["rows"][1]["device_id"].is_null());
  CHECK(d["rows"][2]["name"] == "Ann");
  CHECK(d["rows"][2]["days_since_sync"].get<double>() == Approx(14.0).margin(1e-3));
  CHECK(d["rows"][2]["unsynced_estimate"].get<double>() == Approx(*kpi::unsynced_estimate(cdf, seen, d["now"].get<TimeMs>())));
  const json page = get_json(srv, "/api/v1/admin/kpi/devices?limit=2", admin);
  CHECK(page["rows"].size() == 2);
  CHECK(page["next_offset"] == 2);
  CHECK(get_json(srv, "/api/v1/admin/kpi/devices?limit=2&offset=2", admin)["rows"][0]["name"] == "Ann");

  const json flags = get_json(srv, "/api/v1/admin/kpi/flags", admin);
  REQUIRE(flags["rows"].size() == 1);
  CHECK(flags["rows"][0]["user_id"] == ann.user_id);
  CHECK(flags["rows"][0]["question"] == "urn:trailpack:course:k1:question:p1");
  CHECK(flags["rows"][0]["device_score"] == 1.0);
  CHECK(flags["rows"][0]["flag"] == "device scored 1.000000, server scored 0.000000");
  // The learner's timeline can show only the flagged ones.
  const json tl = get_json(srv, "/api/v1/admin/learners/" + ann.user_id + "/statements?flagged=1", admin);
  REQUIRE(tl["statements"].size() == 1);
  CHECK(tl["statements"][0]["urn:trailpack:rescore_flag"] == "device scored 1.000000, server scored 0.000000");
}

TEST_CASE("kpi: summary tables stay exact through voiding, republishing and a rebuild", "[sync][kpi]") {
  World w;
  w.play();
  auto snapshot = [&] {
    std::map<std::string, std::vector<std::string>> out;
    w.srv.app().db().read([&](Connection& c) {
      for (const char* t : {"kpi_learner_course", "kpi_learner_module", "kpi_learner_item", "kpi_learner_objective", "kpi_answers",
                            "kpi_survey_answers", "kpi_activity_days", "kpi_sync_days"}) {
        for (const auto& r : c.query(std::string("SELECT * FROM ") + t)) {
          std::string line;
          for (std::size_t i = 0; i < r.cols.size(); ++i) line += r.str(i) + "|";
          out[t].push_back(line);
        }
        std::sort(out[t].begin(), out[t].end());
      }
    });
    return out;
  };
  const std::string admin = w.srv.admin_token();
  // ann voids her intro: k1 is no longer complete for her, and the 5th loses an action.
  const json timeline = get_json(w.srv, "/api/v1/admin/learners/" + w.ann.user_id + "/statements?verb=" +
                                            url_encode(verbs::kExperienced) + "&course=k1", admin);
  REQUIRE(timeline["statements"].size() == 2);
  const std::string intro_id = timeline["statements"][1]["id"];  // oldest last
  const auto before = get_json(w.srv, "/api/v1/admin/kpi/activity?course=k1&from=2026-11-05&to=2026-11-05", admin);
  CHECK(before["rows"][0]["statements"] == 5);
  Log v("k1", 'e', w.ann.agent);
  v.void_statement(intro_id, nov(21));
  w.send(w.ann, v.all);
  const json after = get_json(w.srv, "/api/v1/admin/kpi/activity?course=k1&from=2026-11-05&to=2026-11-05", admin);
  CHECK(after["rows"][0]["statements"] == 4);
  const json e = get_json(w.srv, "/api/v1/admin/kpi/engagement?course=k1&" + kNov, admin);
  CHECK(e["rows"][0]["completed"] == 0);
  // The incremental upkeep and a rebuild from the statements agree, row for row.
  const auto kept = snapshot();
  CHECK(w.srv.app().rebuild_kpis());
  CHECK(snapshot() == kept);
  CHECK_FALSE(w.srv.app().rebuild_kpis(true));  // nothing pending

  // Republishing k1 with one more required card: nobody has done it, so bob's and ann's
  // completion ratios fall and their facts follow the new version.
  json c = trailpack::test::kpi_fixture::k1_json();
  c["version"] = 3;
  c["modules"][2]["items"].push_back({{"id", "extra"}, {"type", "card"}, {"title", "Extra"},
                                      {"blocks", json::array({{{"type", "paragraph"}, {"spans", {{{"text", "T"}}}}}})}});
  publish(w.srv, {{"course.json", c.dump()}});
  const json l = get_json(w.srv, "/api/v1/admin/learners/" + w.bob.user_id, admin);
  const json& k1 = row_where(l["courses"], "course_id", "k1");
  CHECK(k1["version"] == 3);
  // bob did intro and the pre-test: 2 of 6 required items before, 2 of 7 now.
  CHECK(k1["completion"].get<double>() == Approx(2.0 / 7));
  const auto republished = snapshot();
  CHECK(w.srv.app().rebuild_kpis());
  CHECK(snapshot() == republished);
}

TEST_CASE("kpi: learners list and drill-down from the summary tables", "[sync][kpi]") {
  World w;
  w.play();
  const std::string admin = w.srv.admin_token();
  const json all = get_json(w.srv, "/api/v1/admin/learners", admin);
  CHECK(all["total"] == 4);
  CHECK(all["next_offset"].is_null());
  REQUIRE(all["learners"].size() == 4);
  CHECK(all["learners"][0]["name"] == "Ann");
  CHECK(all["learners"][0]["statements"] == 17);
  CHECK(all["learners"][0]["courses"][0]["completed"] == true);
  CHECK(all["learners"][0]["last_activity"] == nov(20));
  const json page = get_json(w.srv, "/api/v1/admin/learners?limit=2&offset=1", admin);
  REQUIRE(page["learners"].size() == 2);
  CHECK(page["learners"][0]["name"] == "Bob");
  CHECK(page["next_offset"] == 3);
  CHECK(get_json(w.srv, "/api/v1/admin/learners?site=S", admin)["total"] == 2);
  CHECK(get_json(w.srv, "/api/v1/admin/learners", w.manager)["total"] == 2);

  const json ann = get_json(w.srv, "/api/v1/admin/learners/" + w.ann.user_id, admin);
  CHECK(ann["learner"]["team"] == "A");
  CHECK(ann["groups"] == json::array({{{"id", "g-north"}, {"name", "North"}}}));
  REQUIRE(ann["devices"].size() == 1);
  CHECK(ann["devices"][0]["id"] == w.ann.device_id);
  REQUIRE(ann["courses"].size() == 1);
  const json& k1 = ann["courses"][0];
  CHECK(k1["title"] == "KPI course");
  CHECK(k1["completed"] == true);
  CHECK(k1["completed_ms"] == nov(12) + 6 * kMin);
  CHECK(k1["pretest_score"] == 0.5);
  CHECK(k1["posttest_score"] == 1.0);
  REQUIRE(k1["items"].size() == 7);  // every item but the deck
  CHECK(k1["items"][0]["item_id"] == "intro");
  CHECK(k1["items"][0]["title"] == "Intro");
  CHECK(k1["items"][1]["attempts"] == 1);

  // The timeline, paged with `before`, filtered by time.
  const json p1 = get_json(w.srv, "/api/v1/admin/learners/" + w.ann.user_id + "/statements?limit=10", admin);
  REQUIRE(p1["statements"].size() == 10);
  REQUIRE(p1["next_before"].is_number());
  const json p2 = get_json(w.srv, "/api/v1/admin/learners/" + w.ann.user_id + "/statements?limit=10&before=" +
                                      p1["next_before"].dump(), admin);
  CHECK(p2["statements"].size() == 7);
  CHECK(p2["next_before"].is_null());
  const json since = get_json(w.srv, "/api/v1/admin/learners/" + w.ann.user_id +
                                         "/statements?since=2026-11-12T00:00:00Z&until=2026-11-13T00:00:00Z", admin);
  CHECK(since["statements"].size() == 10);
  auto bad = w.srv.get("/api/v1/admin/learners/" + w.ann.user_id + "/statements?since=yesterday", TestServer::bearer(admin));
  CHECK(bad.status == 400);
  CHECK(error_where(bad) == "since");
}
