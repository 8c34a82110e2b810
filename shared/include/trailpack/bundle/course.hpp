// The course model: what a compiled bundle's `course.json` holds and what the player
// plays. Read-only content; learner progress lives elsewhere (statements).
//
// course -> modules -> items; an item is a card, a quiz (pre-test, post-test or plain),
// a flashcard deck, a survey or a branching scenario. Every module, item, question and
// choice has an author-given id that survives versions (progress maps by id).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trailpack/result.hpp"

namespace trailpack::bundle {

/// Current compiled-course format version written by `trailpack pack`.
inline constexpr int kCourseFormat = 1;

/// A run of text in a paragraph. Rendered as text nodes, never as HTML.
struct Span {
  std::string text;
  std::string style;  ///< "" | "strong" | "em" | "code" | "link"
  std::string href;   ///< for links: https:// or mailto: only
};

/// A block of card content, built from structured data only.
struct Block {
  std::string type;  ///< "heading" | "paragraph" | "list" | "image" | "audio" | "video" | "quote"
  int level = 0;     ///< heading level 1..3
  std::vector<Span> spans;               ///< heading, paragraph, quote
  std::vector<std::vector<Span>> items;  ///< list items
  bool ordered = false;                  ///< list
  std::string src;                       ///< media: bundle-relative path
  std::string alt;                       ///< image alt text, media title
  std::string captions;                  ///< video/audio: WebVTT file path
  std::string transcript;                ///< audio/video: plain text transcript
};

struct Choice {
  std::string id;
  std::string text;
};

/// A matching pair: `left` is matched to `right`; the learner sees rights shuffled.
struct Pair {
  std::string id;
  std::string left;
  std::string right;
};

/// One question. `type` decides which fields matter:
///  single, true_false: choices + correct (one id; true_false choices are "true"/"false")
///  multiple:           choices + correct (one or more ids), partial_credit
///  numeric:            answer, tolerance
///  short_text:         accepted (compared after case and accent folding)
///  ordering:           choices in the correct order (shown shuffled)
///  matching:           pairs
struct Question {
  std::string id;
  std::string type;
  std::string prompt;
  std::vector<Choice> choices;
  std::vector<std::string> correct;
  bool partial_credit = true;
  double answer = 0;
  double tolerance = 0;
  std::vector<std::string> accepted;
  std::vector<Pair> pairs;
  double points = 1;
  std::vector<std::string> objectives;
  std::string feedback_correct;
  std::string feedback_incorrect;
  std::string explanation;
};

/// A pool of questions from which a quiz draws `draw` (0 = all).
struct Pool {
  std::string id;
  int draw = 0;
  std::vector<Question> questions;
};

/// A survey question: a 1..scale rating, a single choice or free text.
struct SurveyQuestion {
  std::string id;
  std::string type;  ///< "rating" | "choice" | "text"
  std::string prompt;
  int scale = 5;
  std::vector<Choice> choices;
};

/// A branching scenario node: text and choices that lead to other nodes; an end node
/// has an outcome score in [0, 1].
struct ScenarioChoice {
  std::string id;
  std::string text;
  std::string next;
  std::string feedback;
};
struct ScenarioNode {
  std::string id;
  std::vector<Block> blocks;
  std::vector<ScenarioChoice> choices;
  std::optional<double> outcome;  ///< set on end nodes
};

struct Flashcard {
  std::string id;
  std::string front;
  std::string back;
};

struct Item {
  std::string id;
  std::string type;  ///< "card" | "quiz" | "flashcards" | "survey" | "scenario"
  std::string title;
  bool required = true;  ///< default: true, except flashcards and cold surveys
  // card
  std::vector<Block> blocks;
  // quiz
  std::string role;            ///< quiz: "" | "pretest" | "posttest"; survey: "hot" | "cold"
  double pass_mark = 0.8;      ///< scaled score needed to pass
  int max_attempts = 0;        ///< 0 = unlimited
  bool shuffle = false;        ///< shuffle questions and choices
  std::string feedback = "immediate";  ///< "immediate" | "deferred"
  int time_limit_s = 0;        ///< 0 = none
  bool test_out = false;       ///< pretest: passing it completes the whole course
  std::vector<Pool> pools;     ///< quiz questions, drawn per pool
  // flashcards
  std::vector<Flashcard> cards;
  // survey
  std::vector<SurveyQuestion> survey;
  int delay_days = 0;          ///< cold survey: due this many days after course completion
  // scenario
  std::string start;
  std::vector<ScenarioNode> nodes;
};

struct Module {
  std::string id;
  std::string title;
  std::vector<std::string> prerequisites;  ///< module ids that must be completed first
  std::vector<Item> items;
};

struct Course {
  int format = kCourseFormat;
  std::string id;
  std::int64_t version = 1;
  std::string title;
  std::string language = "en";
  std::string description;
  std::string sequencing = "linear";  ///< "linear" | "free"
  std::vector<Module> modules;

  const Module* find_module(const std::string& id) const;
  /// Finds an item by id in any module; sets *module_index when given.
  const Item* find_item(const std::string& id, std::size_t* module_index = nullptr) const;
  /// Finds a question by id in any quiz.
  const Question* find_question(const std::string& id, const Item** quiz = nullptr) const;
};

/// A learning path: ordered courses, each mandatory or optional.
struct PathStep {
  std::string course;
  bool mandatory = true;
};
struct LearningPath {
  std::string id;
  std::string title;
  std::vector<PathStep> courses;
};

/// Parses and validates a compiled course. Errors name the JSON path, e.g.
/// `modules[1].items[0].pools[0].questions[2].correct: "z" is not a choice id`.
Result<Course> parse_course(const nlohmann::json& j);

/// Validates an already-built course (ids, references, question consistency).
Status validate_course(const Course& course);

/// Serialises a course to its compiled JSON form (round-trips with parse_course).
nlohmann::json course_to_json(const Course& course);

/// Activity IRI of the course, or of one of its items/questions:
/// `urn:trailpack:course:<course>[:item:<item>][:question:<question>]`.
std::string course_iri(const std::string& course_id);
std::string item_iri(const std::string& course_id, const std::string& item_id);
std::string question_iri(const std::string& course_id, const std::string& question_id);

/// True for ids authors may use: 1..64 chars of [A-Za-z0-9._-], starting alphanumeric.
bool is_valid_id(const std::string& id);

}  // namespace trailpack::bundle
