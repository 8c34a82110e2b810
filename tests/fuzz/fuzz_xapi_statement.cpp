// Fuzzes strict xAPI statement validation (what every LRS write and every push goes
// through) and the functions the server runs on a valid statement: the comparable form
// (duplicate/conflict decisions), the view (indexed columns) and the actor key.
// Invariants: validation is deterministic, a valid statement's comparable form is
// stable, and validating with more permissive options never refuses what a stricter one
// accepts.
#include "fuzz_common.hpp"
#include "trailpack/json_reader.hpp"
#include "trailpack/xapi/statement.hpp"

using namespace trailpack;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto j = parse_json_text(fuzz::as_string(data, size));
  if (!j) return 0;
  if (j->is_object() && j->contains("actor")) (void)xapi::validate_actor((*j)["actor"]);
  const auto strict = xapi::validate_statement(*j, {.require_id = true, .allow_lrs_fields = false});
  const auto lax = xapi::validate_statement(*j, {.require_id = false, .allow_lrs_fields = true});
  fuzz::check(!strict.ok() || lax.ok(), "the lax options accept what the strict ones accept");
  const auto again = xapi::validate_statement(*j, {.require_id = false, .allow_lrs_fields = true});
  fuzz::check(again.ok() == lax.ok(), "validation is deterministic");
  if (!lax) {
    fuzz::check(!lax.error().message.empty(), "errors have a message");
    return 0;
  }
  const auto cmp = xapi::comparable_form(*j);
  fuzz::check(xapi::comparable_form(*j) == cmp, "comparable form is stable");
  const auto view = xapi::view_of(*j);
  (void)view;
  (void)xapi::actor_key((*j)["actor"]);
  (void)cmp.dump();
  return 0;
}
