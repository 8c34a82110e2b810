// Fuzzes the bundle manifest and signature parsers on JSON text (what manifest.json and
// manifest.sig hold). Invariants: a parsed manifest writes back to JSON that parses to
// the same manifest; every listed path passes the archive path rules.
#include "fuzz_common.hpp"
#include "trailpack/bundle/archive.hpp"
#include "trailpack/bundle/manifest.hpp"
#include "trailpack/json_reader.hpp"

using namespace trailpack;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = fuzz::as_string(data, size);
  auto j = parse_json_text(text, "manifest.json");
  if (!j) return 0;
  (void)bundle::parse_signature(*j);
  auto m = bundle::parse_manifest(*j);
  if (!m) {
    fuzz::check(!m.error().code.empty() && !m.error().message.empty(), "an error has a code and a message");
    return 0;
  }
  for (const auto& f : m->files) fuzz::check(bundle::path_problem(f.path).empty(), "listed paths are valid");
  const auto again = bundle::parse_manifest(bundle::manifest_to_json(*m));
  fuzz::check(again.ok(), "a written manifest parses");
  fuzz::check(bundle::manifest_to_json(*again) == bundle::manifest_to_json(*m), "manifest round trip");
  (void)m->total_size();
  return 0;
}
