// The authoring format: Markdown-like cards and compiling an author's folder into a
// course and the files of its bundle.
#include <catch2/catch.hpp>

#include <algorithm>

#include "trailpack/bundle/authoring.hpp"

using namespace trailpack;
using namespace trailpack::bundle;
using nlohmann::json;

namespace {

std::vector<Block> must_parse(const std::string& md) {
  auto r = parse_card_markdown(md, "cards/t.md");
  if (!r) FAIL(r.error().describe());
  return *r;
}

void card_refused(const std::string& md, const std::string& where, const std::string& message) {
  INFO(md);
  auto r = parse_card_markdown(md, "cards/t.md");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == "invalid_card");
  CHECK(r.error().where == where);
  CHECK(r.error().message == message);
}

// Spans as (style, text, href) triples, easy to compare.
json spans(const std::vector<Span>& s) {
  json a = json::array();
  for (const auto& x : s) a.push_back({x.style, x.text, x.href});
  return a;
}

}  // namespace

TEST_CASE("card Markdown: headings", "[authoring][markdown]") {
  auto b = must_parse("# Title\n## Section *one*\n### Detail");
  REQUIRE(b.size() == 3);
  CHECK(b[0].type == "heading");
  CHECK(b[0].level == 1);
  CHECK(spans(b[0].spans) == json::array({{"", "Title", ""}}));
  CHECK(b[1].level == 2);
  CHECK(spans(b[1].spans) == json::array({{"", "Section ", ""}, {"em", "one", ""}}));
  CHECK(b[2].level == 3);

  SECTION("only levels 1 to 3, with a space") {
    card_refused("Intro\n\n#### Too deep", "cards/t.md:3", "headings are '# ', '## ' or '### ' followed by text");
    card_refused("#NoSpace", "cards/t.md:1", "headings are '# ', '## ' or '### ' followed by text");
    card_refused("###", "cards/t.md:1", "headings are '# ', '## ' or '### ' followed by text");
  }
}

TEST_CASE("card Markdown: paragraphs join their lines", "[authoring][markdown]") {
  auto b = must_parse("First line\n  second line  \n\n\nNext paragraph\r\nwith CRLF\r\n");
  REQUIRE(b.size() == 2);
  CHECK(b[0].type == "paragraph");
  CHECK(spans(b[0].spans) == json::array({{"", "First line second line", ""}}));
  CHECK(spans(b[1].spans) == json::array({{"", "Next paragraph with CRLF", ""}}));
}

TEST_CASE("card Markdown: lists", "[authoring][markdown]") {
  SECTION("unordered with - or *") {
    auto b = must_parse("- one\n* **two**\n- three");
    REQUIRE(b.size() == 1);
    CHECK(b[0].type == "list");
    CHECK_FALSE(b[0].ordered);
    REQUIRE(b[0].items.size() == 3);
    CHECK(spans(b[0].items[1]) == json::array({{"strong", "two", ""}}));
  }
  SECTION("ordered") {
    auto b = must_parse("1. one\n2. two\n10. ten");
    REQUIRE(b.size() == 1);
    CHECK(b[0].ordered);
    CHECK(b[0].items.size() == 3);
    CHECK(spans(b[0].items[2]) == json::array({{"", "ten", ""}}));
  }
  SECTION("switching kind starts a new list; a paragraph ends a list") {
    auto b = must_parse("Intro:\n- a\n- b\n1. c\nAfter");
    REQUIRE(b.size() == 4);
    CHECK(b[0].type == "paragraph");
    CHECK(b[1].type == "list");
    CHECK_FALSE(b[1].ordered);
    CHECK(b[1].items.size() == 2);
    CHECK(b[2].ordered);
    CHECK(b[2].items.size() == 1);
    CHECK(b[3].type == "paragraph");
  }
  SECTION("a number that is not a list marker stays text") {
    auto b = must_parse("2024. A year to remember");
    REQUIRE(b.size() == 1);
    CHECK(b[0].type == "paragraph");
  }
}

TEST_CASE("card Markdown: quotes", "[authoring][markdown]") {
  auto b = must_parse("> Stop and *think*.\n> Then act.");
  REQUIRE(b.size() == 2);
  CHECK(b[0].type == "quote");
  CHECK(spans(b[0].spans) == json::array({{"", "Stop and ", ""}, {"em", "think", ""}, {"", ".", ""}}));
  CHECK(b[1].type == "quote");
}

TEST_CASE("inline markup: bold, emphasis, code and safe links", "[authoring][markdown]") {
  CHECK(spans(parse_inline("a **b** *c* `d` [e](https://f.org/x) _g_")) ==
        json::array({{"", "a ", ""},
                     {"strong", "b", ""},
                     {"", " ", ""},
                     {"em", "c", ""},
                     {"", " ", ""},
                     {"code", "d", ""},
                     {"", " ", ""},
                     {"link", "e", "https://f.org/x"},
                     {"", " ", ""},
                     {"em", "g", ""}}));
  CHECK(spans(parse_inline("[mail us](mailto:a@b.org)")) == json::array({{"link", "mail us", "mailto:a@b.org"}}));
  SECTION("links to anything but https: and mailto: stay text") {
    CHECK(spans(parse_inline("[x](http://y.org)")) == json::array({{"", "[x](http://y.org)", ""}}));
    CHECK(spans(parse_inline("[x](javascript:alert(1))")) == json::array({{"", "[x](javascript:alert(1))", ""}}));
  }
  SECTION("brackets before a link do not swallow the text in between") {
    CHECK(spans(parse_inline("[a] and [b](https://c.org)")) ==
          json::array({{"", "[a] and ", ""}, {"link", "b", "https://c.org"}}));
  }
  SECTION("markup inside code stays literal") {
    CHECK(spans(parse_inline("`a *b* **c**`")) == json::array({{"code", "a *b* **c**", ""}}));
  }
  SECTION("unclosed or spaced markers are text") {
    CHECK(spans(parse_inline("**bold")) == json::array({{"", "**bold", ""}}));
    CHECK(spans(parse_inline("2 * 3 * 4")) == json::array({{"", "2 * 3 * 4", ""}}));
    CHECK(spans(parse_inline("`open")) == json::array({{"", "`open", ""}}));
  }
  SECTION("underscores inside words are not emphasis") {
    CHECK(spans(parse_inline("set max_attempts_total to 3")) ==
          json::array({{"", "set max_attempts_total to 3", ""}}));
    CHECK(spans(parse_inline("an _emphasised_ word")) ==
          json::array({{"", "an ", ""}, {"em", "emphasised", ""}, {"", " word", ""}}));
    CHECK(spans(parse_inline("_snake_case_")) == json::array({{"em", "snake_case", ""}}));
  }
  SECTION("empty text is one empty span") {
    CHECK(spans(parse_inline("")) == json::array({{"", "", ""}}));
  }
}

TEST_CASE("card Markdown: media lines", "[authoring][markdown]") {
  auto b = must_parse(
      "![A wet floor sign](media/sign.png)\n"
      "![video: Demo](media/demo.mp4 \"media/demo.vtt\")\n"
      "![audio: Talk](media/talk.mp3 \"media/talk.vtt\")");
  REQUIRE(b.size() == 3);
  CHECK(b[0].type == "image");
  CHECK(b[0].src == "media/sign.png");
  CHECK(b[0].alt == "A wet floor sign");
  CHECK(b[0].captions == "");
  CHECK(b[1].type == "video");
  CHECK(b[1].alt == "Demo");
  CHECK(b[1].src == "media/demo.mp4");
  CHECK(b[1].captions == "media/demo.vtt");
  CHECK(b[2].type == "audio");
  CHECK(b[2].alt == "Talk");
  CHECK(b[2].captions == "media/talk.vtt");

  SECTION("a media line ends the paragraph before it") {
    auto c = must_parse("Look:\n![A sign](media/sign.png)\nDone.");
    REQUIRE(c.size() == 3);
    CHECK(c[0].type == "paragraph");
    CHECK(c[1].type == "image");
    CHECK(c[2].type == "paragraph");
  }
  SECTION("errors name the file and line") {
    card_refused("Text\n\n![](media/sign.png)", "cards/t.md:3",
                 "images need alternative text: ![what the image shows](media/sign.png)");
    card_refused("![video: Demo](media/demo.mp4)", "cards/t.md:1",
                 "video needs captions or a transcript file: ![video: Title](media/demo.mp4 \"media/captions.vtt\")");
    card_refused("a\nb\n![audio: Talk](media/talk.mp3)", "cards/t.md:3",
                 "audio needs captions or a transcript file: ![audio: Title](media/talk.mp3 \"media/captions.vtt\")");
    card_refused("![A sign]()", "cards/t.md:1", "the media path is empty");
    card_refused("![A sign](media/sign.png", "cards/t.md:1", "a media line looks like ![alt text](media/file.png)");
    card_refused("![A sign] (media/sign.png)", "cards/t.md:1", "a media line looks like ![alt text](media/file.png)");
  }
}

TEST_CASE("card Markdown: raw HTML and empty cards are refused", "[authoring][markdown]") {
  card_refused("# Hi\n<script>alert(1)</script>", "cards/t.md:2", "raw HTML is not allowed in cards; use Markdown");
  card_refused("Fine\n\n   <div>indented</div>", "cards/t.md:3", "raw HTML is not allowed in cards; use Markdown");
  card_refused("<!-- comment -->", "cards/t.md:1", "raw HTML is not allowed in cards; use Markdown");
  card_refused("", "cards/t.md", "the card is empty");
  card_refused("\n  \n\t\n", "cards/t.md", "the card is empty");
  SECTION("HTML inside a paragraph is only text, never markup") {
    auto b = must_parse("Press <b>Save</b>");
    REQUIRE(b.size() == 1);
    CHECK(spans(b[0].spans) == json::array({{"", "Press <b>Save</b>", ""}}));
  }
}

namespace {

const char* kCourseJson = R"({
  "id": "safety", "version": 2, "title": "Safety", "language": "en",
  "modules": [{
    "id": "m1", "title": "Hazards",
    "items": [
      {"id": "welcome", "title": "Welcome", "file": "cards/welcome.md"},
      {"id": "check", "type": "quiz", "title": "Check", "file": "quizzes/check.json"},
      {"id": "inline", "type": "card", "title": "Inline", "blocks": [{"type": "paragraph", "spans": [{"text": "x"}]}]}
    ]
  }]
})";

const char* kWelcome =
    "# Welcome\n"
    "\n"
    "Most injuries come from a **few** hazards.\n"
    "\n"
    "![A wet floor sign](media/sign.png)\n"
    "![video: Demo](media/demo.mp4 \"media/demo.vtt\")\n";

const char* kCheck = R"({
  "pass_mark": 0.5,
  "questions": [{"id": "q1", "type": "true_false", "prompt": "Wet floors are a hazard.", "answer": true}]
})";

std::vector<SourceFile> folder() {
  return {{"course.json", kCourseJson},          {"cards/welcome.md", kWelcome},
          {"quizzes/check.json", kCheck},        {"media/sign.png", "PNG-BYTES"},
          {"media/demo.mp4", "MP4-BYTES"},       {"media/demo.vtt", "WEBVTT\n"},
          {"media/unused.png", "OLD"},           {"notes.txt", "todo"}};
}

void replace(std::vector<SourceFile>& files, const std::string& path, const std::string& data) {
  for (auto& f : files)
    if (f.path == path) {
      f.data = data;
      return;
    }
  files.push_back({path, data});
}

void compile_refused(const std::vector<SourceFile>& files, const std::string& code, const std::string& where,
                     const std::string& message) {
  auto r = compile_course(files);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == code);
  CHECK(r.error().where == where);
  CHECK(r.error().message == message);
}

}  // namespace

TEST_CASE("compile_course merges file references and collects media", "[authoring][compile]") {
  auto r = compile_course(folder());
  if (!r) FAIL(r.error().describe());
  const Course& c = r->course;
  CHECK(c.id == "safety");
  CHECK(c.version == 2);
  const Item& welcome = c.modules[0].items[0];
  CHECK(welcome.type == "card");  // a .md file makes a card when no type is given
  REQUIRE(welcome.blocks.size() == 4);
  CHECK(welcome.blocks[0].type == "heading");
  CHECK(welcome.blocks[1].spans[1].style == "strong");
  CHECK(welcome.blocks[2].src == "media/sign.png");
  CHECK(welcome.blocks[3].captions == "media/demo.vtt");
  const Item& check = c.modules[0].items[1];
  CHECK(check.pass_mark == 0.5);
  REQUIRE(check.pools.size() == 1);
  CHECK(check.pools[0].questions[0].id == "q1");

  SECTION("the bundle holds the compiled course.json and every referenced media file") {
    REQUIRE(r->files.size() == 4);
    CHECK(r->files[0].path == "course.json");
    CHECK(r->files[0].data == course_to_json(c).dump(1) + "\n");
    CHECK(r->files[1].path == "media/demo.mp4");
    CHECK(r->files[1].data == "MP4-BYTES");
    CHECK(r->files[2].path == "media/demo.vtt");
    CHECK(r->files[3].path == "media/sign.png");
    CHECK(r->files[3].data == "PNG-BYTES");
    auto again = parse_course(json::parse(r->files[0].data));
    REQUIRE(again);
    CHECK(course_to_json(*again) == course_to_json(c));
  }
  SECTION("files nothing refers to are listed, sources included are not") {
    CHECK(r->unused == std::vector<std::string>{"media/unused.png", "notes.txt"});
  }
}

TEST_CASE("compile_course errors name the file", "[authoring][compile]") {
  auto files = folder();
  SECTION("no course.json") {
    files.erase(files.begin());
    compile_refused(files, "invalid_course", "", "the folder has no course.json");
  }
  SECTION("a referenced file is missing") {
    replace(files, "course.json", std::string(kCourseJson).replace(std::string(kCourseJson).find("cards/welcome.md"), 16, "cards/gone.md"));
    compile_refused(files, "invalid_course", "course.json: modules[0].items[0].file",
                    "\"cards/gone.md\" does not exist in the course folder");
  }
  SECTION("a file reference that is not a string") {
    json j = json::parse(kCourseJson);
    j["modules"][0]["items"][1]["file"] = 3;
    replace(files, "course.json", j.dump());
    compile_refused(files, "invalid_course", "course.json: modules[0].items[1].file", "expected a file path");
  }
  SECTION("a field set both in course.json and in the item's file") {
    replace(files, "quizzes/check.json", R"({"title": "Other", "questions": []})");
    compile_refused(files, "invalid_course", "quizzes/check.json", "\"title\" is set both here and in course.json");
  }
  SECTION("blocks written inline and in a Markdown file") {
    json j = json::parse(kCourseJson);
    j["modules"][0]["items"][0]["blocks"] = json::array({{{"type", "paragraph"}, {"spans", {{{"text", "x"}}}}}});
    replace(files, "course.json", j.dump());
    compile_refused(files, "invalid_course", "cards/welcome.md", "\"blocks\" is set both here and in course.json");
  }
  SECTION("a Markdown error keeps its file:line") {
    replace(files, "cards/welcome.md", "# Welcome\n\n![](media/sign.png)\n");
    compile_refused(files, "invalid_card", "cards/welcome.md:3",
                    "images need alternative text: ![what the image shows](media/sign.png)");
  }
  SECTION("an item file that is not valid JSON") {
    replace(files, "quizzes/check.json", "{\n  \"pass_mark\": ,\n}");
    compile_refused(files, "invalid_json", "quizzes/check.json:2:16",
                    "not valid JSON (syntax error near line 2, column 16)");
  }
  SECTION("an item file that is not an object") {
    replace(files, "quizzes/check.json", "[1, 2]");
    compile_refused(files, "invalid_course", "quizzes/check.json", "expected a JSON object");
  }
  SECTION("course.json that is not valid JSON") {
    replace(files, "course.json", "{\"id\": \"x\",}");
    compile_refused(files, "invalid_json", "course.json:1:12", "not valid JSON (syntax error near line 1, column 12)");
  }
  SECTION("a course validation error is located in course.json") {
    replace(files, "quizzes/check.json", R"({"pass_mark": 2, "questions": [{"id": "q1", "type": "true_false", "prompt": "p", "answer": true}]})");
    compile_refused(files, "invalid_course", "course.json: modules[0].items[1].pass_mark",
                    "must be between 0 and 1 (a fraction of the maximum score)");
  }
  SECTION("media the course refers to must be in the folder") {
    files.erase(std::remove_if(files.begin(), files.end(), [](const SourceFile& f) { return f.path == "media/demo.vtt"; }),
                files.end());
    compile_refused(files, "invalid_course", "media/demo.vtt", "the course refers to a file that is not in the folder");
  }
  SECTION("source paths must be safe bundle paths") {
    files.push_back({"../outside.txt", "x"});
    compile_refused(files, "invalid_course", "../outside.txt", "'..' is not allowed in paths");
  }
}
