// Fuzzes the authoring Markdown of cards and its inline markup. Invariants (the content
// rules the app relies on to render cards as text): no block is raw HTML, every link is
// https:// or mailto:, heading levels are 1..3, media blocks have a path, and the blocks
// survive the course model's JSON round trip.
#include "fuzz_common.hpp"
#include "trailpack/bundle/authoring.hpp"
#include "trailpack/bundle/course.hpp"

using namespace trailpack;

namespace {

void check_spans(const std::vector<bundle::Span>& spans) {
  for (const auto& s : spans) {
    if (s.style == "link")
      fuzz::check(s.href.rfind("https://", 0) == 0 || s.href.rfind("mailto:", 0) == 0, "links are https or mailto");
    else
      fuzz::check(s.href.empty(), "only links have an href");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = fuzz::as_string(data, size);
  check_spans(bundle::parse_inline(text));
  auto blocks = bundle::parse_card_markdown(text, "cards/fuzz.md");
  if (!blocks) {
    fuzz::check(blocks.error().where.rfind("cards/fuzz.md", 0) == 0, "errors name the file");
    return 0;
  }
  for (const auto& b : *blocks) {
    check_spans(b.spans);
    for (const auto& it : b.items) check_spans(it);
    if (b.type == "heading") fuzz::check(b.level >= 1 && b.level <= 3, "heading levels");
    if (b.type == "image" || b.type == "audio" || b.type == "video") fuzz::check(!b.src.empty(), "media have a path");
  }
  // The compiler embeds these blocks in course.json; the result must read back.
  bundle::Course c;
  c.id = "fuzz";
  c.title = "Fuzz";
  bundle::Module m;
  m.id = "m";
  m.title = "M";
  bundle::Item item;
  item.id = "c";
  item.type = "card";
  item.title = "Card";
  item.blocks = *blocks;
  m.items.push_back(item);
  c.modules.push_back(m);
  const auto j = bundle::course_to_json(c);
  (void)j.dump();  // throws on text JSON cannot carry (e.g. bytes that are not UTF-8)
  auto parsed = bundle::parse_course(j);
  // Media paths from Markdown are checked by the course rules (e.g. they must be under
  // media/); a refusal there is a clear error, not a crash. What parses must round-trip.
  if (parsed) fuzz::check(bundle::course_to_json(*parsed) == j, "card blocks round trip through course.json");
  return 0;
}
