// Building statements: the envelope every Trailpack statement shares.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "trailpack/time.hpp"

namespace trailpack::xapi {

/// The learner as an xAPI Agent identified by an account on the Trailpack server.
nlohmann::json account_agent(const std::string& home_page, const std::string& account_name,
                             const std::string& display_name);

/// An Activity object with a name in one language and an activity type IRI.
nlohmann::json activity(const std::string& iri, const std::string& name, const std::string& language,
                        const std::string& type_iri);

/// A verb with its English display.
nlohmann::json verb(const std::string& verb_iri);

/// Everything a statement carries besides verb, object and result.
struct Envelope {
  std::string id;            ///< UUID made on the device
  nlohmann::json actor;
  TimeMs timestamp = 0;
  std::string registration;  ///< UUID of the learner's course registration
  std::string language;      ///< context.language (the course's)
  nlohmann::json parents = nlohmann::json::array();   ///< contextActivities.parent
  nlohmann::json grouping = nlohmann::json::array();  ///< contextActivities.grouping
  nlohmann::json extensions = nlohmann::json::object();
};

/// Assembles a statement; `result` is omitted when null.
nlohmann::json make_statement(const Envelope& env, const std::string& verb_iri, nlohmann::json object,
                              nlohmann::json result = nullptr);

/// xAPI activity types used by Trailpack.
namespace activity_types {
inline constexpr const char* kCourse = "http://adlnet.gov/expapi/activities/course";
inline constexpr const char* kModule = "http://adlnet.gov/expapi/activities/module";
inline constexpr const char* kAssessment = "http://adlnet.gov/expapi/activities/assessment";
inline constexpr const char* kLesson = "http://adlnet.gov/expapi/activities/lesson";
inline constexpr const char* kInteraction = "http://adlnet.gov/expapi/activities/cmi.interaction";
inline constexpr const char* kSurvey = "http://id.tincanapi.com/activitytype/survey";
inline constexpr const char* kScenario = "http://id.tincanapi.com/activitytype/scenario";
inline constexpr const char* kFlashcard = "http://id.tincanapi.com/activitytype/flashcard";
}  // namespace activity_types

}  // namespace trailpack::xapi
