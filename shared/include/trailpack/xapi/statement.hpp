// xAPI 1.0.3 statements: strict validation (for the LRS and for every statement the
// player emits), the vocabulary Trailpack uses, and a compact view for projections.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "trailpack/result.hpp"
#include "trailpack/time.hpp"

namespace trailpack::xapi {

/// xAPI versions this code speaks (X-Experience-API-Version).
inline constexpr const char* kVersion = "1.0.3";

namespace verbs {
inline constexpr const char* kAnswered = "http://adlnet.gov/expapi/verbs/answered";
inline constexpr const char* kAttempted = "http://adlnet.gov/expapi/verbs/attempted";
inline constexpr const char* kCompleted = "http://adlnet.gov/expapi/verbs/completed";
inline constexpr const char* kExperienced = "http://adlnet.gov/expapi/verbs/experienced";
inline constexpr const char* kPassed = "http://adlnet.gov/expapi/verbs/passed";
inline constexpr const char* kFailed = "http://adlnet.gov/expapi/verbs/failed";
inline constexpr const char* kResponded = "http://adlnet.gov/expapi/verbs/responded";
inline constexpr const char* kVoided = "http://adlnet.gov/expapi/verbs/voided";
inline constexpr const char* kProgressed = "http://adlnet.gov/expapi/verbs/progressed";
inline constexpr const char* kInitialized = "http://adlnet.gov/expapi/verbs/initialized";
}  // namespace verbs

/// Context extension keys Trailpack writes.
namespace ext {
inline constexpr const char* kAttempt = "urn:trailpack:ext:attempt";          ///< quiz attempt UUID
inline constexpr const char* kSeed = "urn:trailpack:ext:seed";                ///< draw/shuffle seed
inline constexpr const char* kQuestions = "urn:trailpack:ext:questions";      ///< drawn question ids
inline constexpr const char* kBundleVersion = "urn:trailpack:ext:bundle-version";
inline constexpr const char* kDevice = "urn:trailpack:ext:device";
inline constexpr const char* kChoice = "urn:trailpack:ext:choice";            ///< scenario choice id
inline constexpr const char* kRating = "urn:trailpack:ext:rating";            ///< flashcard review grade
}  // namespace ext

/// What the validator is checking: a statement a client sends (stored/authority are
/// set by the LRS and refused... unless allowed), or one read back from storage.
struct ValidationOptions {
  bool require_id = false;          ///< PUT and the player's statements need an id
  bool allow_lrs_fields = false;    ///< accept "stored" and "authority" (LRS-assigned)
};

/// Validates one statement per xAPI 1.0.3 (data section 2.2-2.6, 4). The Error's
/// `where` is the JSON path: `context.registration`, `actor.mbox`, ...
Status validate_statement(const nlohmann::json& statement, const ValidationOptions& options = {});

/// Validates an Agent or Group (an Actor), e.g. the `agent` query parameter.
Status validate_actor(const nlohmann::json& actor, const std::string& path = "actor");

/// True for an absolute IRI (a scheme, then no spaces or control characters).
bool is_iri(const std::string& text);

/// True for a BCP 47-shaped language tag.
bool is_language_tag(const std::string& text);

/// The statement content that must match for two statements with the same id to be
/// "the same" (xAPI 2.1.1 statement comparison): drops LRS-set fields, normalises ids.
nlohmann::json comparable_form(const nlohmann::json& statement);

/// A compact, typed view of the fields projections need.
struct StatementView {
  std::string id;
  std::string actor_key;   ///< "account:<homePage>|<name>", "mbox:<...>", ...
  std::string verb;
  std::string object_id;   ///< activity IRI or statement id (StatementRef)
  std::string object_type; ///< "Activity" | "Agent" | "Group" | "StatementRef" | "SubStatement"
  std::string registration;
  std::string parent;      ///< first context.contextActivities.parent id
  TimeMs timestamp = 0;
  std::optional<double> scaled;
  std::optional<double> raw;
  std::optional<double> max;
  std::optional<bool> success;
  std::optional<bool> completion;
  std::string response;
  TimeMs duration_ms = 0;
  nlohmann::json extensions;  ///< context.extensions (object or null)
  nlohmann::json result_extensions;
};

/// Builds the view; assumes the statement passed validate_statement.
StatementView view_of(const nlohmann::json& statement);

/// A stable key for an actor: the same person yields the same key.
std::string actor_key(const nlohmann::json& actor);

}  // namespace trailpack::xapi
