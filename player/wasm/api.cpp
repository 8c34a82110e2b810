// The wasm entry points (see api.h). One engine per Worker.
#include "api.h"

#include <emscripten/emscripten.h>
#include <sqlite3.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "trailpack/bundle/course.hpp"
#include "trailpack/bundle/manifest.hpp"
#include "trailpack/player/engine.hpp"
#include "trailpack/sync/protocol.hpp"

using nlohmann::json;
using trailpack::Error;
using trailpack::player::Engine;

namespace {

std::unique_ptr<Engine> g_engine;

const char* own(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (!p) return nullptr;
  std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

const char* reply_error(const Error& e) {
  json err = {{"code", e.code}, {"message", e.message}};
  if (!e.where.empty()) err["where"] = e.where;
  return own(json{{"ok", false}, {"error", err}}.dump());
}

const char* reply_ok(json result, bool wrote) {
  return own(json{{"ok", true}, {"result", std::move(result)}, {"wrote", wrote}}.dump(-1, ' ', false,
                                                                                      json::error_handler_t::replace));
}

// Runs `body` and turns anything thrown into an error reply: nothing crosses into JS.
template <typename F>
const char* guarded(F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return reply_error({"out_of_memory", "the engine ran out of memory", {}});
  } catch (const std::exception& e) {
    return reply_error({"internal", e.what(), {}});
  } catch (...) {
    return reply_error({"internal", "unknown failure", {}});
  }
}

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE const char* tp_open(const char* config_json) {
  return guarded([&]() -> const char* {
    json cfg = json::parse(config_json ? config_json : "", nullptr, false);
    if (!cfg.is_object()) return reply_error({"invalid_argument", "tp_open: config must be a JSON object", {}});
    g_engine.reset();
    trailpack::player::StoreOptions o;
    o.path = cfg.value("path", "/trailpack.db");
    o.vfs = cfg.value("vfs", "");
    o.journal_mode = cfg.value("journal_mode", "WAL");
    o.synchronous = cfg.value("synchronous", "FULL");
    o.exclusive_locking = cfg.value("exclusive", true);
    if (o.vfs == "opfs" && tp_register_opfs_vfs() != SQLITE_OK)
      return reply_error({"storage_error", "could not register the OPFS VFS", {}});
    auto store = trailpack::player::Store::open(o);
    if (!store) return reply_error(store.error());
    const std::string integrity = (*store)->integrity_check();
    // Tests and scenario replays ask for a reproducible clock and randomness.
    auto platform = trailpack::player::default_platform();
    if (cfg.contains("deterministic") && cfg["deterministic"].is_object())
      platform = trailpack::player::deterministic_platform(cfg["deterministic"].value("start_ms", std::int64_t{0}),
                                                           cfg["deterministic"].value("seed", std::uint64_t{1}));
    g_engine = std::make_unique<Engine>(std::move(store).value(), std::move(platform));
    auto st = g_engine->call("status", json::object());
    json result = st ? *st : json::object();
    result["integrity"] = integrity;
    result["vfs"] = o.vfs.empty() ? "default" : o.vfs;
    return reply_ok(result, true);
  });
}

EMSCRIPTEN_KEEPALIVE const char* tp_call(const char* method, const char* args_json) {
  return guarded([&]() -> const char* {
    if (!g_engine) return reply_error({"not_open", "the engine is not open (call tp_open first)", {}});
    json args = json::parse(args_json && *args_json ? args_json : "{}", nullptr, false);
    if (args.is_discarded()) return reply_error({"invalid_argument", "arguments are not valid JSON", {}});
    sqlite3* db = g_engine->store().handle();
    const int before = sqlite3_total_changes(db);
    auto r = g_engine->call(method ? method : "", args);
    const bool wrote = sqlite3_total_changes(db) != before;
    if (!r) return reply_error(r.error());
    return reply_ok(std::move(r).value(), wrote);
  });
}

EMSCRIPTEN_KEEPALIVE const char* tp_close(void) {
  return guarded([&]() -> const char* {
    g_engine.reset();
    return reply_ok(nullptr, false);
  });
}

EMSCRIPTEN_KEEPALIVE const char* tp_version(void) {
  return guarded([&]() -> const char* {
    return reply_ok(json{{"engine", "0.1.0"},
                         {"sqlite", sqlite3_libversion()},
                         {"methods", Engine::methods()},
                         {"format", trailpack::bundle::kCourseFormat},
                         {"protocol", trailpack::sync::kProtocolVersion}},
                    false);
  });
}

EMSCRIPTEN_KEEPALIVE const char* tp_bundle_open(const unsigned char* bytes, int size) {
  return guarded([&]() -> const char* {
    if (!bytes || size < 0) return reply_error({"invalid_argument", "tp_bundle_open: no bytes", {}});
    const std::string_view archive(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size));
    // The signature is checked by the Worker with WebCrypto before it installs anything;
    // here every other rule runs (limits, paths, hashes, course validation).
    auto opened = trailpack::bundle::open_bundle(archive, [](std::string_view, std::string_view, const std::string&) { return true; });
    if (!opened) return reply_error(opened.error());
    json files = json::array();
    for (const auto& f : opened->files) {
      const auto* mf = opened->manifest.find(f.path);
      files.push_back({{"path", f.path}, {"sha256", mf->sha256}, {"size", mf->size}, {"offset", f.offset}});
    }
    return reply_ok(json{{"manifest_text", opened->manifest_bytes},
                         {"signature", trailpack::bundle::signature_to_json(opened->signature)},
                         {"manifest", trailpack::bundle::manifest_to_json(opened->manifest)},
                         {"course", trailpack::bundle::course_to_json(opened->course)},
                         {"files", files}},
                    false);
  });
}

EMSCRIPTEN_KEEPALIVE void tp_free(const char* p) { std::free(const_cast<char*>(p)); }

}  // extern "C"
