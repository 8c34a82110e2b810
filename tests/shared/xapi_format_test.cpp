// What the LRS derives from statements (trailpack/xapi/format.hpp): agent and activity
// mentions for queries, definition merging, the ids and canonical formats, and
// Accept-Language handling.
#include <catch2/catch.hpp>

#include "trailpack/xapi/format.hpp"

using namespace trailpack::xapi;
using nlohmann::json;

namespace {

json agent(const std::string& who) { return {{"objectType", "Agent"}, {"name", who}, {"mbox", "mailto:" + who + "@example.com"}}; }
std::string key(const std::string& who) { return "mbox:mailto:" + who + "@example.com"; }

}  // namespace

TEST_CASE("xapi format: agent mentions by relation, Group members included", "[xapi]") {
  json s = {{"actor", {{"objectType", "Group"}, {"member", json::array({agent("ann"), agent("bob")})}}},
            {"verb", {{"id", "http://example.com/v"}}},
            {"object", {{"objectType", "SubStatement"},
                        {"actor", agent("carl")},
                        {"verb", {{"id", "http://example.com/v"}}},
                        {"object", agent("dan")},
                        {"context", {{"instructor", agent("eve")}}}}},
            {"context", {{"team", {{"objectType", "Group"}, {"mbox", "mailto:team@example.com"}, {"member", json::array({agent("fay")})}}}}},
            {"authority", agent("gus")}};
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& m : agent_mentions(s)) got.emplace_back(m.relation, m.key);
  CHECK(got == std::vector<std::pair<std::string, std::string>>{
                   {"actor", key("ann")},
                   {"actor", key("bob")},
                   {"related", key("gus")},
                   {"related", "mbox:mailto:team@example.com"},
                   {"related", key("fay")},
                   {"related", key("carl")},
                   {"related", key("dan")},
                   {"related", key("eve")}});
  json direct = {{"actor", agent("ann")}, {"verb", {{"id", "http://example.com/v"}}}, {"object", agent("ann")}};
  CHECK(agent_mentions(direct).size() == 2);  // actor and object: one each
}

TEST_CASE("xapi format: activity mentions and definitions, context and SubStatement included", "[xapi]") {
  json s = {{"actor", agent("ann")},
            {"verb", {{"id", "http://example.com/v"}}},
            {"object", {{"id", "http://example.com/a"}, {"definition", {{"name", {{"en", "A"}}}}}}},
            {"context", {{"contextActivities", {{"parent", json::array({{{"id", "http://example.com/p"}}})},
                                                {"grouping", {{"id", "http://example.com/g"}, {"definition", {{"type", "http://example.com/t"}}}}},
                                                {"other", json::array({{{"id", "http://example.com/a"}}})}}}}}};
  CHECK(activity_mentions(s) == std::vector<std::string>{"http://example.com/a", "http://example.com/p", "http://example.com/g"});
  const auto defs = activity_definitions(s);
  REQUIRE(defs.size() == 2);
  CHECK(defs[0].first == "http://example.com/a");
  CHECK(defs[1].second == json{{"type", "http://example.com/t"}});
  json sub = {{"actor", agent("ann")}, {"verb", {{"id", "http://example.com/v"}}},
              {"object", {{"objectType", "SubStatement"}, {"actor", agent("bob")}, {"verb", {{"id", "http://example.com/v"}}},
                          {"object", {{"id", "http://example.com/inner"}}}}}};
  CHECK(activity_mentions(sub) == std::vector<std::string>{"http://example.com/inner"});
}

TEST_CASE("xapi format: merge_definition merges language maps and replaces the rest", "[xapi]") {
  const json old = {{"name", {{"en", "Old"}, {"fr", "Vieux"}}}, {"type", "http://example.com/t1"}, {"choices", json::array({1})}};
  const json incoming = {{"name", {{"en", "New"}}}, {"choices", json::array({2})}, {"moreInfo", "http://example.com/m"}};
  CHECK(merge_definition(old, incoming) == json{{"name", {{"en", "New"}, {"fr", "Vieux"}}},
                                                {"type", "http://example.com/t1"},
                                                {"choices", json::array({2})},
                                                {"moreInfo", "http://example.com/m"}});
  CHECK(merge_definition(json(), incoming) == incoming);
}

TEST_CASE("xapi format: Accept-Language parsing and language map filtering", "[xapi]") {
  auto ranges = parse_accept_language("fr-CA, en;q=0.5, *;q=0.1, de;q=0, bad!!, es;q=x");
  REQUIRE(ranges.size() == 3);
  CHECK(ranges[0].range == "fr-ca");
  CHECK(ranges[1].range == "en");
  CHECK(ranges[2].range == "*");
  CHECK(parse_accept_language("").empty());
  CHECK(parse_accept_language("en;q=0.2, fr")[0].range == "fr");  // by q, not by order

  auto pick = [](json map, const std::string& header) {
    filter_language_map(map, parse_accept_language(header));
    return map;
  };
  const json map = {{"en-US", "Hello"}, {"en-GB", "Hello!"}, {"fr", "Bonjour"}, {"de", "Hallo"}};
  CHECK(pick(map, "fr") == json{{"fr", "Bonjour"}});
  CHECK(pick(map, "en-GB") == json{{"en-GB", "Hello!"}});
  CHECK(pick(map, "EN-us") == json{{"en-US", "Hello"}});  // case-insensitive
  CHECK(pick(map, "en") == json{{"en-GB", "Hello!"}});    // a prefix: the first such tag in sorted order
  CHECK(pick(map, "fr-CA") == json{{"fr", "Bonjour"}});   // falls back to the shorter range
  CHECK(pick(map, "es, *;q=0.1") == json{{"de", "Hallo"}});
  CHECK(pick(map, "es") == json{{"de", "Hallo"}});
  CHECK(pick(json{{"fr", "Seul"}}, "en") == json{{"fr", "Seul"}});
  CHECK(pick(json::object(), "en") == json::object());
}

TEST_CASE("xapi format: canonical format replaces definitions and filters languages; ids format strips everything",
          "[xapi]") {
  json s = {{"actor", agent("ann")},
            {"verb", {{"id", "http://example.com/v"}, {"display", {{"en", "did"}, {"fr", "a fait"}}}}},
            {"object", {{"id", "http://example.com/a"}, {"definition", {{"name", {{"en", "Mine"}}}}}}},
            {"context", {{"contextActivities", {{"parent", {{"id", "http://example.com/p"}, {"definition", {{"name", {{"en", "P"}, {"fr", "Pp"}}}}}}}}}}}};
  json canonical = s;
  to_canonical_format(canonical,
                      [](const std::string& id) {
                        return id == "http://example.com/a" ? json{{"name", {{"en", "Canon"}, {"fr", "Canon fr"}}}} : json();
                      },
                      parse_accept_language("fr"));
  CHECK(canonical["object"]["definition"] == json{{"name", {{"fr", "Canon fr"}}}});
  CHECK(canonical["verb"]["display"] == json{{"fr", "a fait"}});
  CHECK(canonical["context"]["contextActivities"]["parent"]["definition"] == json{{"name", {{"fr", "Pp"}}}});
  CHECK(canonical["actor"] == agent("ann"));

  json ids = s;
  to_ids_format(ids);
  CHECK(ids["actor"] == json{{"objectType", "Agent"}, {"mbox", "mailto:ann@example.com"}});
  CHECK(ids["verb"] == json{{"id", "http://example.com/v"}});
  CHECK(ids["object"] == json{{"id", "http://example.com/a"}});
  CHECK(ids["context"]["contextActivities"]["parent"] == json{{"id", "http://example.com/p"}});
  json anonymous = {{"actor", {{"objectType", "Group"}, {"name", "G"}, {"member", json::array({agent("ann")})}}},
                    {"verb", {{"id", "http://example.com/v"}}},
                    {"object", {{"id", "http://example.com/a"}}}};
  to_ids_format(anonymous);
  CHECK(anonymous["actor"] == json{{"objectType", "Group"}, {"member", json::array({{{"objectType", "Agent"}, {"mbox", "mailto:ann@example.com"}}})}});
}
