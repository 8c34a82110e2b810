// xAPI 1.0.3 statement validation: a battery of valid statements, then invalid ones,
// each with the exact JSON path and message; comparable_form and view_of.
#include <catch2/catch.hpp>

#include <functional>

#include "trailpack/xapi/builder.hpp"
#include "trailpack/xapi/statement.hpp"

using namespace trailpack;
using namespace trailpack::xapi;
using nlohmann::json;

namespace {

const char* kId = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0";
const char* kOtherId = "e05aa883-acaf-40ad-bf54-02c8ce485fb0";

json base() {
  return {{"id", kId},
          {"actor", {{"objectType", "Agent"}, {"name", "Ann"}, {"mbox", "mailto:ann@example.org"}}},
          {"verb", {{"id", verbs::kCompleted}, {"display", {{"en-US", "completed"}}}}},
          {"object", {{"objectType", "Activity"}, {"id", "urn:trailpack:course:c1"}}}};
}

json agent(const std::string& email) { return {{"mbox", "mailto:" + email}}; }

void valid(const json& s, const ValidationOptions& o = {}) {
  INFO(s.dump(2));
  auto r = validate_statement(s, o);
  if (!r) FAIL(r.error().describe());
  SUCCEED();
}

void invalid(const json& s, const std::string& where, const std::string& message, const ValidationOptions& o = {}) {
  INFO(s.dump(2));
  auto r = validate_statement(s, o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "invalid_statement");
  CHECK(r.error().where == where);
  CHECK(r.error().message == message);
}

json with(std::function<void(json&)> change) {
  json s = base();
  change(s);
  return s;
}

}  // namespace

TEST_CASE("valid statements", "[xapi][validation]") {
  SECTION("the minimal statement, with and without an id") {
    valid(base());
    valid(base(), {.require_id = true});
    json no_id = base();
    no_id.erase("id");
    valid(no_id);
    valid(with([](json& s) { s["id"] = "FD41C918-B88B-4B20-A0A5-A4C32391AAA0"; }));
  }
  SECTION("agents with each inverse functional identifier") {
    valid(with([](json& s) { s["actor"] = {{"mbox_sha1sum", std::string(40, 'a')}}; }));
    valid(with([](json& s) { s["actor"] = {{"openid", "https://openid.example.org/ann"}}; }));
    valid(with([](json& s) {
      s["actor"] = {{"objectType", "Agent"}, {"account", {{"homePage", "https://lms.example.org"}, {"name", "ann-42"}}}};
    }));
  }
  SECTION("groups: identified with members, anonymous with members") {
    valid(with([](json& s) {
      s["actor"] = {{"objectType", "Group"},
                    {"name", "Team A"},
                    {"account", {{"homePage", "https://lms.example.org"}, {"name", "team-a"}}},
                    {"member", {agent("ann@example.org"), agent("bob@example.org")}}};
    }));
    valid(with([](json& s) { s["actor"] = {{"objectType", "Group"}, {"mbox", "mailto:team@example.org"}}; }));
    valid(with([](json& s) {
      s["actor"] = {{"objectType", "Group"}, {"member", {agent("ann@example.org")}}};
    }));
  }
  SECTION("objects: Agent, Group, StatementRef, SubStatement") {
    valid(with([](json& s) { s["object"] = {{"objectType", "Agent"}, {"mbox", "mailto:bob@example.org"}}; }));
    valid(with([](json& s) {
      s["object"] = {{"objectType", "Group"}, {"member", {agent("bob@example.org")}}};
    }));
    valid(with([](json& s) { s["object"] = {{"objectType", "StatementRef"}, {"id", kOtherId}}; }));
    valid(with([](json& s) {
      s["object"] = {{"objectType", "SubStatement"},
                     {"actor", agent("bob@example.org")},
                     {"verb", {{"id", verbs::kExperienced}}},
                     {"object", {{"id", "https://example.org/activity"}}},
                     {"result", {{"completion", true}}},
                     {"context", {{"language", "en"}}},
                     {"timestamp", "2026-11-22T09:00:00Z"}};
    }));
  }
  SECTION("a voiding statement") {
    valid(with([](json& s) {
      s["verb"] = {{"id", verbs::kVoided}, {"display", {{"en-US", "voided"}}}};
      s["object"] = {{"objectType", "StatementRef"}, {"id", kOtherId}};
    }));
  }
  SECTION("attachments") {
    valid(with([](json& s) {
      s["attachments"] = {{{"usageType", "http://adlnet.gov/expapi/attachments/signature"},
                           {"display", {{"en-US", "Signature"}}},
                           {"description", {{"en-US", "A signature"}}},
                           {"contentType", "application/octet-stream"},
                           {"length", 4235},
                           {"sha2", "672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634"},
                           {"fileUrl", "https://example.org/sig"}}};
    }));
  }
  SECTION("a full context") {
    valid(with([](json& s) {
      s["context"] = {
          {"registration", kOtherId},
          {"instructor", agent("teacher@example.org")},
          {"team", {{"objectType", "Group"}, {"member", {agent("bob@example.org")}}}},
          {"contextActivities",
           {{"parent", {{{"id", "urn:trailpack:course:c1:item:q"}, {"objectType", "Activity"}}}},
            {"grouping", {{"id", "urn:trailpack:course:c1"}}},  // a single object is allowed
            {"category", {{{"id", "https://w3id.org/xapi/cmi5/context/categories/cmi5"}}}},
            {"other", json::array()}}},
          {"revision", "v2"},
          {"platform", "Trailpack"},
          {"language", "fr-CA"},
          {"statement", {{"objectType", "StatementRef"}, {"id", kOtherId}}},
          {"extensions", {{ext::kAttempt, "a-1"}, {"https://example.org/ext", {{"nested", true}}}}}};
    }));
  }
  SECTION("a full result") {
    valid(with([](json& s) {
      s["result"] = {{"score", {{"scaled", -0.5}, {"raw", 2}, {"min", 0}, {"max", 4}}},
                     {"success", false},
                     {"completion", true},
                     {"response", "a[,]b"},
                     {"duration", "PT1H2M3.45S"},
                     {"extensions", {{"urn:x:y", 1}}}};
    }));
    valid(with([](json& s) { s["result"] = {{"score", {{"scaled", 1}, {"raw", 4}, {"max", 4}}}}; }));
    valid(with([](json& s) { s["result"] = {{"score", {{"raw", -3}}}, {"duration", "P1W"}}; }));
  }
  SECTION("activity definitions with interaction components") {
    valid(with([](json& s) {
      s["object"]["definition"] = {
          {"name", {{"en", "Q"}}},
          {"description", {{"en", "A question"}}},
          {"type", "http://adlnet.gov/expapi/activities/cmi.interaction"},
          {"moreInfo", "https://example.org/q"},
          {"interactionType", "choice"},
          {"correctResponsesPattern", {"a[,]b"}},
          {"choices", {{{"id", "a"}, {"description", {{"en", "A"}}}}, {{"id", "b"}}}},
          {"extensions", {{"urn:x:y", 1}}}};
    }));
    valid(with([](json& s) {
      s["object"]["definition"] = {{"interactionType", "likert"}, {"scale", {{{"id", "1"}}, {{"id", "2"}}}}};
    }));
    valid(with([](json& s) {
      s["object"]["definition"] = {{"interactionType", "matching"},
                                   {"source", {{{"id", "l1"}}}},
                                   {"target", {{{"id", "r1"}}}},
                                   {"correctResponsesPattern", {"l1[.]r1"}}};
    }));
    valid(with([](json& s) {
      s["object"]["definition"] = {{"interactionType", "performance"}, {"steps", {{{"id", "s1"}}}}};
    }));
    valid(with([](json& s) {
      s["object"]["definition"] = {{"interactionType", "sequencing"}, {"choices", {{{"id", "s1"}}}}};
    }));
  }
  SECTION("LRS fields when allowed, version 1.0.x") {
    const json s = with([](json& s) {
      s["stored"] = "2026-11-22T09:00:01.5+02:00";
      s["authority"] = {{"objectType", "Agent"}, {"account", {{"homePage", "https://lrs.example.org"}, {"name", "lrs"}}}};
      s["version"] = "1.0.3";
    });
    valid(s, {.allow_lrs_fields = true});
    valid(with([](json& s) { s["version"] = "1.0"; }));
    valid(with([](json& s) { s["version"] = "1.0.0"; }));
  }
  SECTION("timestamps with zones and fractions") {
    for (const char* t : {"2026-11-22T09:00:00Z", "2026-11-22T09:00:00.123456Z", "2026-11-22T10:00:00+01:00",
                          "2026-11-22t09:00:00z", "2024-02-29T23:59:60Z"}) {
      INFO(t);
      valid(with([&](json& s) { s["timestamp"] = t; }));
    }
  }
  SECTION("statements the builder makes") {
    Envelope env;
    env.id = kId;
    env.actor = account_agent("https://trailpack.example.org", "ann", "Ann");
    env.timestamp = 1795338000123;
    env.registration = kOtherId;
    env.language = "en";
    env.parents = json::array({activity("urn:trailpack:course:c1:item:q", "Quiz", "en", activity_types::kAssessment)});
    env.grouping = json::array({activity("urn:trailpack:course:c1", "Course", "en", activity_types::kCourse)});
    env.extensions[ext::kAttempt] = kOtherId;
    const json s = make_statement(env, verbs::kAnswered, activity("urn:trailpack:course:c1:question:q1", "", "", ""),
                                  json{{"success", true}});
    valid(s, {.require_id = true});
    CHECK(s["timestamp"] == "2026-11-22T09:00:00.123Z");
    CHECK(s["verb"] == json{{"id", verbs::kAnswered}, {"display", {{"en-US", "answered"}}}});
    CHECK(s["actor"] == json{{"objectType", "Agent"},
                             {"name", "Ann"},
                             {"account", {{"homePage", "https://trailpack.example.org"}, {"name", "ann"}}}});
    CHECK(s["object"] == json{{"objectType", "Activity"}, {"id", "urn:trailpack:course:c1:question:q1"}});
    CHECK(s["context"]["contextActivities"]["parent"][0]["definition"]["name"] == json{{"en", "Quiz"}});
    CHECK(s["result"] == json{{"success", true}});
    Envelope bare;
    bare.id = kId;
    bare.actor = account_agent("https://trailpack.example.org", "ann", "");
    const json b = make_statement(bare, verbs::kExperienced, activity("urn:x:y", "T", "", ""));
    CHECK_FALSE(b.contains("context"));
    CHECK_FALSE(b.contains("result"));
    CHECK_FALSE(b["actor"].contains("name"));
    CHECK(b["object"]["definition"] == json{{"name", {{"en", "T"}}}});
    valid(b);
  }
}

TEST_CASE("invalid statements name the path and the problem", "[xapi][validation]") {
  SECTION("not an object") {
    invalid(json::array(), "$", "a statement must be a JSON object");
    invalid("statement", "$", "a statement must be a JSON object");
  }
  SECTION("missing actor, verb or object") {
    for (const char* k : {"actor", "verb", "object"}) {
      json s = base();
      s.erase(k);
      invalid(s, k, "is required");
    }
    invalid(with([](json& s) { s["verb"].erase("id"); }), "verb.id", "is required");
    invalid(with([](json& s) { s["object"].erase("id"); }), "object.id", "is required");
    json no_id = base();
    no_id.erase("id");
    invalid(no_id, "id", "is required", {.require_id = true});
  }
  SECTION("agent identifiers") {
    invalid(with([](json& s) { s["actor"]["account"] = {{"homePage", "https://x.org"}, {"name", "ann"}}; }), "actor",
            "an Agent must have exactly one identifier, found 2");
    invalid(with([](json& s) { s["actor"] = {{"name", "Ann"}}; }), "actor",
            "an Agent needs exactly one identifier (mbox, mbox_sha1sum, openid or account)");
    for (const char* mbox : {"ann@example.org", "mailto:ann", "mailto:@example.org", "mailto:ann@", "mailto:a nn@x.org",
                             "MAILTO:ann@example.org"}) {
      INFO(mbox);
      invalid(with([&](json& s) { s["actor"]["mbox"] = mbox; }), "actor.mbox",
              "must be a mailto: IRI with an email address");
    }
    invalid(with([](json& s) { s["actor"]["mbox"] = 7; }), "actor.mbox", "must be a string");
    invalid(with([](json& s) { s["actor"] = {{"mbox_sha1sum", std::string(39, 'a')}}; }), "actor.mbox_sha1sum",
            "must be a 40-character hex SHA-1");
    invalid(with([](json& s) { s["actor"] = {{"mbox_sha1sum", std::string(40, 'g')}}; }), "actor.mbox_sha1sum",
            "must be a 40-character hex SHA-1");
    invalid(with([](json& s) { s["actor"] = {{"openid", "ann"}}; }), "actor.openid", "must be an absolute IRI");
    invalid(with([](json& s) { s["actor"] = {{"account", {{"name", "ann"}}}}; }), "actor.account.homePage",
            "is required");
    invalid(with([](json& s) { s["actor"] = {{"account", {{"homePage", "https://x.org"}}}}; }), "actor.account.name",
            "is required");
    invalid(with([](json& s) { s["actor"] = {{"account", {{"homePage", "x.org"}, {"name", "ann"}}}}; }),
            "actor.account.homePage", "must be an absolute IRI");
    invalid(with([](json& s) { s["actor"] = {{"account", {{"homePage", "https://x.org"}, {"name", ""}}}}; }),
            "actor.account.name", "must not be empty");
    invalid(with([](json& s) { s["actor"] = {{"account", {{"homePage", "https://x.org"}, {"name", "a"}, {"id", 1}}}}; }),
            "actor.account.id", "is not a property allowed here");
    invalid(with([](json& s) { s["actor"]["objectType"] = "Person"; }), "actor.objectType",
            "must be \"Agent\" or \"Group\"");
    invalid(with([](json& s) { s["actor"]["member"] = json::array(); }), "actor.member",
            "is not a property allowed here");
    invalid(with([](json& s) { s["actor"]["name"] = 1; }), "actor.name", "must be a string");
  }
  SECTION("groups") {
    invalid(with([](json& s) { s["actor"] = {{"objectType", "Group"}, {"name", "Team"}}; }), "actor.member",
            "an anonymous Group needs members");
    invalid(with([](json& s) { s["actor"] = {{"objectType", "Group"}, {"member", json::array()}}; }), "actor.member",
            "an anonymous Group needs members");
    invalid(with([](json& s) {
              s["actor"] = {{"objectType", "Group"}, {"mbox", "mailto:t@x.org"}, {"openid", "https://x.org/t"}};
            }),
            "actor", "a Group has at most one identifier, found 2");
    invalid(with([](json& s) {
              s["actor"] = {{"objectType", "Group"},
                            {"member", {{{"objectType", "Group"}, {"member", {agent("a@x.org")}}}}}};
            }),
            "actor.member[0].objectType", "a Group is not allowed here");
    invalid(with([](json& s) { s["actor"] = {{"objectType", "Group"}, {"member", {agent("a@x.org"), {{"name", "B"}}}}}; }),
            "actor.member[1]", "an Agent needs exactly one identifier (mbox, mbox_sha1sum, openid or account)");
    invalid(with([](json& s) { s["actor"] = {{"objectType", "Group"}, {"member", agent("a@x.org")}}; }),
            "actor.member", "must be an array");
  }
  SECTION("verbs") {
    for (const char* id : {"answered", "http://example.org/has space", "://x", "1http://x", ""}) {
      INFO(id);
      invalid(with([&](json& s) { s["verb"]["id"] = id; }), "verb.id", "must be an absolute IRI");
    }
    invalid(with([](json& s) { s["verb"]["display"] = {{"en_US", "completed"}}; }), "verb.display.en_US",
            "is not a language tag");
    invalid(with([](json& s) { s["verb"]["display"] = {{"en-US", 3}}; }), "verb.display.en-US", "must be a string");
    invalid(with([](json& s) { s["verb"]["display"] = "completed"; }), "verb.display", "must be a language map");
    invalid(with([](json& s) { s["verb"]["name"] = "completed"; }), "verb.name", "is not a property allowed here");
  }
  SECTION("UUIDs") {
    invalid(with([](json& s) { s["id"] = "123"; }), "id", "must be a UUID");
    invalid(with([](json& s) { s["id"] = "fd41c918b88b4b20a0a5a4c32391aaa0"; }), "id", "must be a UUID");
    invalid(with([](json& s) { s["id"] = "{fd41c918-b88b-4b20-a0a5-a4c32391aaa0}"; }), "id", "must be a UUID");
    invalid(with([](json& s) { s["context"] = {{"registration", "not-a-uuid"}}; }), "context.registration",
            "must be a UUID");
    invalid(with([](json& s) { s["object"] = {{"objectType", "StatementRef"}, {"id", "x"}}; }), "object.id",
            "must be a UUID");
  }
  SECTION("scores") {
    invalid(with([](json& s) { s["result"] = {{"score", {{"scaled", 1.5}}}}; }), "result.score.scaled",
            "must be between -1 and 1");
    invalid(with([](json& s) { s["result"] = {{"score", {{"scaled", -1.01}}}}; }), "result.score.scaled",
            "must be between -1 and 1");
    invalid(with([](json& s) { s["result"] = {{"score", {{"raw", 5}, {"max", 4}}}}; }), "result.score.raw",
            "must not be greater than max");
    invalid(with([](json& s) { s["result"] = {{"score", {{"raw", -1}, {"min", 0}}}}; }), "result.score.raw",
            "must not be less than min");
    invalid(with([](json& s) { s["result"] = {{"score", {{"min", 4}, {"max", 4}}}}; }), "result.score.min",
            "must be less than max");
    invalid(with([](json& s) { s["result"] = {{"score", {{"raw", "5"}}}}; }), "result.score.raw", "must be a number");
    invalid(with([](json& s) { s["result"] = {{"score", {{"percent", 50}}}}; }), "result.score.percent",
            "is not a property allowed here");
    invalid(with([](json& s) { s["result"] = {{"success", "yes"}}; }), "result.success", "must be true or false");
    invalid(with([](json& s) { s["result"] = {{"completion", 1}}; }), "result.completion", "must be true or false");
    invalid(with([](json& s) { s["result"] = {{"response", 42}}; }), "result.response", "must be a string");
  }
  SECTION("durations") {
    for (const std::string d : {"PT1H30", "1 hour", "P1M", "P1Y", "PT", "P", "PT1.5.5S", "PT.5S", "PT1S1H", "PT-1S",
                                "P1DT", "PT1H1H", "pt1h"}) {
      INFO(d);
      invalid(with([&](json& s) { s["result"] = {{"duration", d}}; }), "result.duration",
              "must be an ISO 8601 duration");
    }
  }
  SECTION("an absurdly long duration number is refused, not thrown") {
    const std::string d = "PT" + std::string(400, '9') + "S";
    invalid(with([&](json& s) { s["result"] = {{"duration", d}}; }), "result.duration", "must be an ISO 8601 duration");
  }
  SECTION("timestamps") {
    for (const char* t : {"2026-11-22 09:00:00Z", "2026-11-22T09:00:00", "2026-11-22", "2026-11-22T09:00:00-00:00",
                          "2026-02-30T09:00:00Z", "2026-11-22T24:00:00Z", "1795338000123", "2026-11-22T09:00:00.Z"}) {
      INFO(t);
      invalid(with([&](json& s) { s["timestamp"] = t; }), "timestamp", "must be an ISO 8601 timestamp with a time zone");
    }
    invalid(with([](json& s) { s["timestamp"] = 1795338000123; }), "timestamp", "must be a string");
  }
  SECTION("unknown properties at every level") {
    invalid(with([](json& s) { s["foo"] = 1; }), "foo", "is not a property allowed here");
    invalid(with([](json& s) { s["result"] = {{"grade", "A"}}; }), "result.grade", "is not a property allowed here");
    invalid(with([](json& s) { s["object"]["definition"] = {{"title", {{"en", "x"}}}}; }), "object.definition.title",
            "is not a property allowed here");
    invalid(with([](json& s) { s["context"] = {{"contextActivities", {{"sibling", json::array()}}}}; }),
            "context.contextActivities.sibling", "is not a property allowed here");
    invalid(with([](json& s) { s["context"] = {{"device", "phone"}}; }), "context.device",
            "is not a property allowed here");
    invalid(with([](json& s) { s["objectType"] = "Statement"; }), "objectType", "is not allowed on a statement");
  }
  SECTION("LRS-set fields from a client") {
    invalid(with([](json& s) { s["stored"] = "2026-11-22T09:00:00Z"; }), "stored", "is set by the LRS, not by clients");
    invalid(with([](json& s) { s["authority"] = agent("lrs@x.org"); }), "authority",
            "is set by the LRS, not by clients");
    invalid(with([](json& s) { s["stored"] = "yesterday"; }), "stored", "must be an ISO 8601 timestamp with a time zone",
            {.allow_lrs_fields = true});
    invalid(with([](json& s) { s["version"] = "2.0.0"; }), "version", "must be 1.0.x");
    invalid(with([](json& s) { s["version"] = "1.01"; }), "version", "must be 1.0.x");
  }
  SECTION("language maps with bad tags") {
    invalid(with([](json& s) { s["object"]["definition"] = {{"name", {{"en_GB", "x"}}}}; }),
            "object.definition.name.en_GB", "is not a language tag");
    invalid(with([](json& s) { s["object"]["definition"] = {{"description", {{"", "x"}}}}; }),
            "object.definition.description.", "is not a language tag");
    invalid(with([](json& s) { s["object"]["definition"] = {{"name", {{"en-toolongsubtag", "x"}}}}; }),
            "object.definition.name.en-toolongsubtag", "is not a language tag");
    invalid(with([](json& s) { s["object"]["definition"] = {{"name", {{"1en", "x"}}}}; }), "object.definition.name.1en",
            "is not a language tag");
    invalid(with([](json& s) { s["context"] = {{"language", "en--US"}}; }), "context.language", "is not a language tag");
  }
  SECTION("extensions with non-IRI keys") {
    invalid(with([](json& s) { s["context"] = {{"extensions", {{"attempt", 1}}}}; }), "context.extensions",
            "key \"attempt\" is not an IRI");
    invalid(with([](json& s) { s["result"] = {{"extensions", {{"urn:ok", 1}, {"bad key", 2}}}}; }), "result.extensions",
            "key \"bad key\" is not an IRI");
    invalid(with([](json& s) { s["object"]["definition"] = {{"extensions", json::array()}}; }),
            "object.definition.extensions", "must be an object");
  }
  SECTION("revision and platform only with an Activity object") {
    auto agent_object = [](json& s) { s["object"] = {{"objectType", "Agent"}, {"mbox", "mailto:bob@x.org"}}; };
    invalid(with([&](json& s) {
              agent_object(s);
              s["context"] = {{"revision", "2"}};
            }),
            "context.revision", "is only allowed when the object is an Activity");
    invalid(with([&](json& s) {
              agent_object(s);
              s["context"] = {{"platform", "web"}};
            }),
            "context.platform", "is only allowed when the object is an Activity");
    invalid(with([](json& s) {
              s["object"] = {{"objectType", "StatementRef"}, {"id", kOtherId}};
              s["context"] = {{"revision", "2"}};
            }),
            "context.revision", "is only allowed when the object is an Activity");
    invalid(with([](json& s) {
              s["object"] = {{"objectType", "SubStatement"},
                             {"actor", agent("bob@x.org")},
                             {"verb", {{"id", verbs::kExperienced}}},
                             {"object", {{"id", "https://example.org/a"}}}};
              s["context"] = {{"platform", "web"}};
            }),
            "context.platform", "is only allowed when the object is an Activity");
    invalid(with([](json& s) {
              s["object"] = {{"objectType", "SubStatement"},
                             {"actor", agent("bob@x.org")},
                             {"verb", {{"id", verbs::kExperienced}}},
                             {"object", {{"objectType", "Agent"}, {"mbox", "mailto:c@x.org"}}},
                             {"context", {{"revision", "1"}}}};
            }),
            "object.context.revision", "is only allowed when the object is an Activity");
  }
  SECTION("voiding needs a StatementRef object") {
    invalid(with([](json& s) { s["verb"]["id"] = verbs::kVoided; }), "object",
            "a voiding statement's object must be a StatementRef");
    invalid(with([](json& s) {
              s["verb"]["id"] = verbs::kVoided;
              s["object"] = {{"objectType", "Agent"}, {"mbox", "mailto:bob@x.org"}};
            }),
            "object", "a voiding statement's object must be a StatementRef");
  }
  SECTION("SubStatements") {
    json sub = {{"objectType", "SubStatement"},
                {"actor", agent("bob@x.org")},
                {"verb", {{"id", verbs::kExperienced}}},
                {"object", {{"id", "https://example.org/a"}}}};
    json nested = sub;
    nested["object"] = sub;
    invalid(with([&](json& s) { s["object"] = nested; }), "object.object.objectType",
            "a SubStatement cannot contain another SubStatement");
    json with_id = sub;
    with_id["id"] = kOtherId;
    invalid(with([&](json& s) { s["object"] = with_id; }), "object.id", "is not a property allowed here");
    json with_stored = sub;
    with_stored["stored"] = "2026-11-22T09:00:00Z";
    invalid(with([&](json& s) { s["object"] = with_stored; }), "object.stored", "is not a property allowed here");
    json missing_verb = sub;
    missing_verb.erase("verb");
    invalid(with([&](json& s) { s["object"] = missing_verb; }), "object.verb", "is required");
  }
  SECTION("objects") {
    invalid(with([](json& s) { s["object"]["objectType"] = "Thing"; }), "object.objectType",
            "must be Activity, Agent, Group, StatementRef or SubStatement");
    invalid(with([](json& s) { s["object"] = "urn:x:y"; }), "object", "must be an object");
    invalid(with([](json& s) { s["object"]["id"] = "not an iri"; }), "object.id", "must be an absolute IRI");
    invalid(with([](json& s) { s["object"]["definition"] = {{"type", "lesson"}}; }), "object.definition.type",
            "must be an absolute IRI");
    invalid(with([](json& s) { s["object"]["definition"] = {{"interactionType", "essay"}}; }),
            "object.definition.interactionType", "is not an xAPI interaction type");
    invalid(with([](json& s) { s["object"]["definition"] = {{"correctResponsesPattern", {"a"}}}; }),
            "object.definition.correctResponsesPattern", "needs an interactionType");
    invalid(with([](json& s) {
              s["object"]["definition"] = {{"interactionType", "choice"}, {"correctResponsesPattern", "a"}};
            }),
            "object.definition.correctResponsesPattern", "must be an array of strings");
    invalid(with([](json& s) {
              s["object"]["definition"] = {{"interactionType", "choice"}, {"correctResponsesPattern", {"a", 1}}};
            }),
            "object.definition.correctResponsesPattern[1]", "must be a string");
    invalid(with([](json& s) {
              s["object"]["definition"] = {{"interactionType", "numeric"}, {"choices", {{{"id", "a"}}}}};
            }),
            "object.definition.choices", "is not allowed for interactionType \"numeric\"");
    invalid(with([](json& s) { s["object"]["definition"] = {{"choices", {{{"id", "a"}}}}}; }),
            "object.definition.choices", "is not allowed for interactionType \"\"");
    invalid(with([](json& s) {
              s["object"]["definition"] = {{"interactionType", "choice"}, {"choices", {{{"id", "a"}}, {{"id", "a"}}}}};
            }),
            "object.definition.choices[1].id", "duplicate component id");
    invalid(with([](json& s) {
              s["object"]["definition"] = {{"interactionType", "choice"}, {"choices", {{{"description", {{"en", "A"}}}}}}};
            }),
            "object.definition.choices[0].id", "is required");
  }
  SECTION("context") {
    invalid(with([](json& s) { s["context"] = {{"team", agent("bob@x.org")}}; }), "context.team", "must be a Group");
    invalid(with([](json& s) { s["context"] = {{"instructor", {{"name", "T"}}}}; }), "context.instructor",
            "an Agent needs exactly one identifier (mbox, mbox_sha1sum, openid or account)");
    invalid(with([](json& s) {
              s["context"] = {{"contextActivities", {{"parent", {{{"objectType", "Agent"}, {"id", "urn:x:y"}}}}}}};
            }),
            "context.contextActivities.parent[0].objectType", "must be \"Activity\"");
    invalid(with([](json& s) { s["context"] = {{"contextActivities", {{"grouping", {{"id", "course 1"}}}}}}; }),
            "context.contextActivities.grouping.id", "must be an absolute IRI");
    invalid(with([](json& s) { s["context"] = {{"contextActivities", {{"parent", {json::object()}}}}}; }),
            "context.contextActivities.parent[0].id", "is required");
    invalid(with([](json& s) { s["context"] = {{"statement", {{"id", kOtherId}}}}; }),
            "context.statement.objectType", "must be \"StatementRef\"");
    invalid(with([](json& s) { s["context"] = {{"revision", 2}}; }), "context.revision", "must be a string");
  }
  SECTION("attachments") {
    const json good = {{"usageType", "http://adlnet.gov/expapi/attachments/signature"},
                       {"display", {{"en-US", "Signature"}}},
                       {"contentType", "application/octet-stream"},
                       {"length", 10},
                       {"sha2", "abc"}};
    for (const char* k : {"usageType", "display", "contentType", "length", "sha2"}) {
      json a = good;
      a.erase(k);
      invalid(with([&](json& s) { s["attachments"] = {a}; }), std::string("attachments[0].") + k, "is required");
    }
    json neg = good;
    neg["length"] = -1;
    invalid(with([&](json& s) { s["attachments"] = {good, neg}; }), "attachments[1].length",
            "must be a whole number of bytes");
    json frac = good;
    frac["length"] = 1.5;
    invalid(with([&](json& s) { s["attachments"] = {frac}; }), "attachments[0].length",
            "must be a whole number of bytes");
    invalid(with([&](json& s) { s["attachments"] = good; }), "attachments", "must be an array");
  }
}

TEST_CASE("validate_actor checks agents on their own", "[xapi][validation]") {
  CHECK(validate_actor(agent("ann@x.org")));
  auto r = validate_actor({{"name", "Ann"}}, "agent");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "invalid_actor");
  CHECK(r.error().where == "agent");
  CHECK(r.error().message == "an Agent needs exactly one identifier (mbox, mbox_sha1sum, openid or account)");
  auto m = validate_actor({{"mbox", "ann@x.org"}});
  REQUIRE_FALSE(m);
  CHECK(m.error().where == "actor.mbox");
}

TEST_CASE("IRIs and language tags", "[xapi]") {
  CHECK(is_iri("http://adlnet.gov/expapi/verbs/completed"));
  CHECK(is_iri("urn:trailpack:course:c1"));
  CHECK(is_iri("mailto:a@b.org"));
  CHECK(is_iri("https://example.org/é"));
  CHECK_FALSE(is_iri(""));
  CHECK_FALSE(is_iri("completed"));
  CHECK_FALSE(is_iri("urn:"));
  CHECK_FALSE(is_iri(":x"));
  CHECK_FALSE(is_iri("1a:x"));
  CHECK_FALSE(is_iri("http://a b"));
  CHECK_FALSE(is_iri("http://a<b>"));
  CHECK_FALSE(is_iri("http://a\tb"));
  CHECK_FALSE(is_iri("http://" + std::string(2048, 'a')));
  CHECK(is_language_tag("en"));
  CHECK(is_language_tag("en-US"));
  CHECK(is_language_tag("zh-Hant-TW"));
  CHECK(is_language_tag("es-419"));
  CHECK_FALSE(is_language_tag(""));
  CHECK_FALSE(is_language_tag("en_US"));
  CHECK_FALSE(is_language_tag("en-"));
  CHECK_FALSE(is_language_tag("-en"));
  CHECK_FALSE(is_language_tag("e1"));
  CHECK_FALSE(is_language_tag("abcdefghi"));
  CHECK_FALSE(is_language_tag(std::string(36, 'a')));
}

TEST_CASE("comparable_form ignores what the LRS may change", "[xapi][compare]") {
  json a = base();
  a["timestamp"] = "2026-11-22T09:00:00.000Z";
  json b = a;
  b["id"] = "FD41C918-B88B-4B20-A0A5-A4C32391AAA0";
  b["timestamp"] = "2026-11-22T10:00:00+01:00";
  b["stored"] = "2026-11-23T00:00:00Z";
  b["authority"] = agent("lrs@x.org");
  b["version"] = "1.0.3";
  CHECK(comparable_form(a) == comparable_form(b));
  CHECK(comparable_form(b)["id"] == kId);
  CHECK(comparable_form(b)["timestamp"] == 1795338000000);
  CHECK_FALSE(comparable_form(b).contains("stored"));
  CHECK_FALSE(comparable_form(b).contains("authority"));
  CHECK_FALSE(comparable_form(b).contains("version"));

  SECTION("real differences remain") {
    json c = a;
    c["result"] = {{"success", true}};
    CHECK(comparable_form(a) != comparable_form(c));
    json d = a;
    d["timestamp"] = "2026-11-22T09:00:00.001Z";
    CHECK(comparable_form(a) != comparable_form(d));
    json e = a;
    e["verb"]["display"]["en-US"] = "finished";
    CHECK(comparable_form(a) != comparable_form(e));
  }
}

TEST_CASE("view_of extracts what projections need", "[xapi][view]") {
  json s = base();
  s["id"] = "FD41C918-B88B-4B20-A0A5-A4C32391AAA0";
  s["actor"] = account_agent("https://lms.example.org", "ann", "Ann");
  s["timestamp"] = "2026-11-22T10:00:00.5+01:00";
  s["context"] = {{"registration", "E05AA883-ACAF-40AD-BF54-02C8CE485FB0"},
                  {"contextActivities", {{"parent", {{{"id", "urn:p:1"}}, {{"id", "urn:p:2"}}}}}},
                  {"extensions", {{ext::kAttempt, "att-1"}}}};
  s["result"] = {{"score", {{"scaled", 0.5}, {"raw", 2}, {"max", 4}}},
                 {"success", true},
                 {"completion", false},
                 {"response", "a[,]b"},
                 {"duration", "PT1M1.5S"},
                 {"extensions", {{"urn:x", 1}}}};
  REQUIRE(validate_statement(s));
  const StatementView v = view_of(s);
  CHECK(v.id == kId);
  CHECK(v.actor_key == "account:https://lms.example.org|ann");
  CHECK(v.verb == verbs::kCompleted);
  CHECK(v.object_id == "urn:trailpack:course:c1");
  CHECK(v.object_type == "Activity");
  CHECK(v.registration == kOtherId);
  CHECK(v.parent == "urn:p:1");
  CHECK(v.timestamp == 1795338000500);
  CHECK(v.scaled == 0.5);
  CHECK(v.raw == 2.0);
  CHECK(v.max == 4.0);
  CHECK(v.success == true);
  CHECK(v.completion == false);
  CHECK(v.response == "a[,]b");
  CHECK(v.duration_ms == 61500);
  CHECK(v.extensions == json{{ext::kAttempt, "att-1"}});
  CHECK(v.result_extensions == json{{"urn:x", 1}});

  SECTION("a StatementRef object id is normalised; absent parts stay empty") {
    json r = base();
    r["verb"]["id"] = verbs::kVoided;
    r["object"] = {{"objectType", "StatementRef"}, {"id", "E05AA883-ACAF-40AD-BF54-02C8CE485FB0"}};
    const StatementView w = view_of(r);
    CHECK(w.object_type == "StatementRef");
    CHECK(w.object_id == kOtherId);
    CHECK(w.actor_key == "mbox:mailto:ann@example.org");
    CHECK(w.timestamp == 0);
    CHECK(w.registration.empty());
    CHECK(w.parent.empty());
    CHECK_FALSE(w.scaled);
    CHECK_FALSE(w.success);
    CHECK(w.duration_ms == 0);
    CHECK(w.extensions.is_null());
  }
  SECTION("a single parent object is read too") {
    json p = base();
    p["context"] = {{"contextActivities", {{"parent", {{"id", "urn:p:only"}}}}}};
    CHECK(view_of(p).parent == "urn:p:only");
  }
  SECTION("actor keys for each identifier") {
    CHECK(actor_key(agent("a@x.org")) == "mbox:mailto:a@x.org");
    CHECK(actor_key({{"mbox_sha1sum", "abc"}}) == "sha1:abc");
    CHECK(actor_key({{"openid", "https://id/x"}}) == "openid:https://id/x");
    CHECK(actor_key({{"name", "nobody"}}) == "");
    CHECK(actor_key("x") == "");
  }
}
