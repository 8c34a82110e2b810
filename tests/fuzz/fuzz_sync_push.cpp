// Fuzzes the sync batch decoder as the push route runs it: the body's JSON, the push
// request shape, then each statement's validation, comparable form and view, and the
// response; also the pull request. Invariants: a parsed batch holds at most 500
// statements, the response has one result per statement in order.
#include "fuzz_common.hpp"
#include "trailpack/json_reader.hpp"
#include "trailpack/sync/protocol.hpp"
#include "trailpack/uuid.hpp"
#include "trailpack/xapi/statement.hpp"

using namespace trailpack;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto j = parse_json_text(fuzz::as_string(data, size));
  if (!j) return 0;
  (void)sync::parse_pull_request(*j);
  auto req = sync::parse_push_request(*j);
  if (!req) {
    fuzz::check(req.error().code == "invalid_push", "push errors are invalid_push");
    return 0;
  }
  fuzz::check(req->statements.size() <= sync::kMaxPushStatements, "batch size limit");
  fuzz::check(req->device_id.size() <= 64, "device_id limit");
  std::vector<sync::PushOutcome> outcomes;
  for (auto& s : req->statements) {
    sync::PushOutcome o;
    if (s.is_object() && s.contains("id") && s["id"].is_string()) o.id = normalize_uuid(s["id"].get<std::string>());
    auto valid = xapi::validate_statement(s, {.require_id = false, .allow_lrs_fields = true});
    if (!valid) {
      o.status = sync::PushStatus::rejected;
      o.error = valid.error().describe();
    } else {
      const auto view = xapi::view_of(s);
      (void)xapi::comparable_form(s).dump();
      (void)view;
    }
    outcomes.push_back(std::move(o));
  }
  const auto res = sync::push_response(outcomes, 7);
  fuzz::check(res["results"].size() == req->statements.size(), "one result per statement");
  (void)res.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return 0;
}
