// What an LRS derives from a statement: the Agents and Activities a query can match it
// by, the activity definitions it carries, and the "ids" and "canonical" response
// formats with Accept-Language filtering (xAPI 1.0.3, part three, 2.1.3). Pure functions
// over statements that already passed validate_statement.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace trailpack::xapi {

/// An Agent or identified Group a statement mentions, and where.
struct AgentMention {
  /// "actor" (the actor, or a member of an actor Group), "object" (the object when it is
  /// an Agent or Group, or a member of it), "related" (authority, context instructor or
  /// team, and the actor, object, instructor or team of a SubStatement, with members).
  std::string relation;
  std::string key;  ///< actor_key() of the Agent or Group
};

/// Every Agent and identified Group of a statement, each (relation, key) once. The
/// `agent` query parameter matches "actor" and "object"; with related_agents=true, all.
std::vector<AgentMention> agent_mentions(const nlohmann::json& statement);

/// Every Activity id a statement mentions: its object, its context activities, and the
/// object and context activities of a SubStatement (what related_activities=true
/// matches). Each id once, in order of appearance.
std::vector<std::string> activity_mentions(const nlohmann::json& statement);

/// Every Activity of the statement that carries a definition, as (id, definition), in
/// order of appearance (object, context activities, then the SubStatement's).
std::vector<std::pair<std::string, nlohmann::json>> activity_definitions(const nlohmann::json& statement);

/// The attachment objects of a statement and of its SubStatement, in order.
std::vector<nlohmann::json> attachment_objects(const nlohmann::json& statement);

/// The canonical definition after a new one is received: properties of `incoming`
/// replace those of `canonical`, except language maps (name, description), whose
/// languages are merged (the incoming text wins for a language both have).
nlohmann::json merge_definition(const nlohmann::json& canonical, const nlohmann::json& incoming);

/// Reduces a statement to format=ids: Agents and Groups keep only their identifier
/// (anonymous Groups their members' identifiers), Activities only their id, Verbs only
/// their id; everywhere (actor, object, authority, context, SubStatement).
void to_ids_format(nlohmann::json& statement);

/// One entry of an Accept-Language header.
struct LanguageRange {
  std::string range;  ///< lower-cased: "en-us", "fr", "*"
  double q = 1.0;
};

/// Parses an Accept-Language value (RFC 7231 5.3.5); malformed entries are skipped.
/// Entries come back by decreasing q, ties in header order; q=0 entries are dropped.
std::vector<LanguageRange> parse_accept_language(std::string_view header);

/// Keeps one entry of a language map: the best match for `ranges` (a range matches a
/// tag equal to it, or a tag that starts with it followed by '-'; "*" matches any). With
/// no match (or no ranges), the first tag in sorted order is kept. Non-objects and empty
/// maps are left alone.
void filter_language_map(nlohmann::json& map, const std::vector<LanguageRange>& ranges);

/// format=canonical: every Activity (object, context activities, SubStatement) takes its
/// canonical definition from `canonical` when it returns a non-null definition, and
/// every language map of Activity definitions and Verb displays is reduced to one
/// language with filter_language_map. Agents and Groups stay as in "exact".
void to_canonical_format(nlohmann::json& statement,
                         const std::function<nlohmann::json(const std::string& activity_id)>& canonical,
                         const std::vector<LanguageRange>& ranges);

}  // namespace trailpack::xapi
