// Course JSON used by several test files: a valid course that uses every item type,
// every block type and every question type. Tests change one field of it at a time
// to check one validation rule.
#pragma once

#include <nlohmann/json.hpp>

namespace trailpack::test {

inline nlohmann::json full_course_json() {
  return nlohmann::json::parse(R"json({
  "format": 1,
  "id": "safety",
  "version": 3,
  "title": "Workplace safety",
  "language": "fr-CA",
  "description": "Hazards, equipment and what to do.",
  "sequencing": "linear",
  "modules": [
    {
      "id": "m1",
      "title": "Introduction",
      "items": [
        {
          "id": "welcome",
          "type": "card",
          "title": "Welcome",
          "blocks": [
            {"type": "heading", "level": 1, "spans": [{"text": "Why this matters"}]},
            {"type": "paragraph", "spans": [
              {"text": "Plain, "},
              {"text": "strong", "style": "strong"},
              {"text": "emphasis", "style": "em"},
              {"text": "code()", "style": "code"},
              {"text": "a site", "style": "link", "href": "https://example.org/safety"},
              {"text": "write to us", "style": "link", "href": "mailto:safety@example.org"}
            ]},
            {"type": "list", "ordered": true, "items": [[{"text": "one"}], [{"text": "two", "style": "strong"}]]},
            {"type": "list", "items": [[{"text": "bullet"}]]},
            {"type": "quote", "spans": [{"text": "Stop and think."}]},
            {"type": "image", "src": "media/sign.png", "alt": "A wet floor sign"},
            {"type": "video", "src": "media/demo.mp4", "alt": "Demo", "captions": "media/demo.vtt"},
            {"type": "audio", "src": "media/talk.mp3", "alt": "Talk", "transcript": "Hello and welcome."}
          ]
        },
        {
          "id": "pre",
          "type": "quiz",
          "title": "What do you know already?",
          "role": "pretest",
          "test_out": true,
          "pass_mark": 0.9,
          "questions": [
            {"id": "pre-1", "type": "true_false", "prompt": "Gloves are PPE.", "answer": true},
            {"id": "pre-2", "type": "single", "prompt": "First step?",
             "choices": [{"id": "ppe", "text": "Put on PPE"}, {"id": "remove", "text": "Remove the hazard"}],
             "correct": ["remove"]}
          ]
        }
      ]
    },
    {
      "id": "m2",
      "title": "Core",
      "prerequisites": ["m1"],
      "items": [
        {
          "id": "check",
          "type": "quiz",
          "title": "Check",
          "role": "posttest",
          "pass_mark": 0.75,
          "max_attempts": 3,
          "shuffle": true,
          "feedback": "deferred",
          "time_limit_s": 600,
          "pools": [
            {"id": "easy", "draw": 2, "questions": [
              {"id": "q-single", "type": "single", "prompt": "Pick one",
               "choices": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}],
               "correct": ["b"], "points": 2,
               "objectives": ["hazards"],
               "feedback": {"correct": "Yes.", "incorrect": "No."},
               "explanation": "Because B."},
              {"id": "q-multi", "type": "multiple", "prompt": "Pick some",
               "choices": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}],
               "correct": ["a", "c"], "partial_credit": false},
              {"id": "q-tf", "type": "true_false", "prompt": "True?", "answer": false}
            ]},
            {"id": "hard", "questions": [
              {"id": "q-num", "type": "numeric", "prompt": "g?", "answer": 9.81, "tolerance": 0.05},
              {"id": "q-text", "type": "short_text", "prompt": "Name it", "accepted": ["Électricité", "power"]},
              {"id": "q-order", "type": "ordering", "prompt": "Order",
               "choices": [{"id": "s1", "text": "1"}, {"id": "s2", "text": "2"}, {"id": "s3", "text": "3"}]},
              {"id": "q-match", "type": "matching", "prompt": "Match", "partial_credit": false,
               "pairs": [{"id": "p1", "left": "Cat", "right": "Meow"}, {"id": "p2", "left": "Dog", "right": "Woof"}]}
            ]}
          ]
        },
        {
          "id": "deck",
          "type": "flashcards",
          "title": "Words",
          "cards": [{"id": "f1", "front": "PPE", "back": "Personal protective equipment"},
                    {"id": "f2", "front": "MSDS", "back": "Material safety data sheet"}]
        },
        {
          "id": "hot",
          "type": "survey",
          "title": "How was it?",
          "survey": [
            {"id": "s-rate", "type": "rating", "prompt": "Rate it", "scale": 7},
            {"id": "s-choice", "type": "choice", "prompt": "Length?",
             "choices": [{"id": "short", "text": "Too short"}, {"id": "long", "text": "Too long"}]},
            {"id": "s-text", "type": "text", "prompt": "Anything else?"}
          ]
        },
        {
          "id": "cold",
          "type": "survey",
          "role": "cold",
          "delay_days": 45,
          "title": "A month later",
          "survey": [{"id": "c-rate", "type": "rating", "prompt": "Still useful?"}]
        },
        {
          "id": "spill",
          "type": "scenario",
          "title": "A spill",
          "start": "n1",
          "nodes": [
            {"id": "n1", "blocks": [{"type": "paragraph", "spans": [{"text": "Oil on the floor."}]}],
             "choices": [
               {"id": "clean", "text": "Clean it", "next": "n2", "feedback": "Good."},
               {"id": "leave", "text": "Walk on", "next": "n3"}
             ]},
            {"id": "n2", "blocks": [{"type": "image", "src": "media/clean.png", "alt": "A clean floor"}], "outcome": 1},
            {"id": "n3", "blocks": [{"type": "paragraph", "spans": [{"text": "Someone slips."}]}], "outcome": 0.25}
          ]
        }
      ]
    }
  ]
})json");
}

}  // namespace trailpack::test
