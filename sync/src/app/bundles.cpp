// Bundles on the server: trusted publisher keys, publishing (every file stored by its
// SHA-256, every version kept), dry runs that report what a new version changes and
// whose progress it touches, and the endpoints devices fetch from.
#include <set>

#include "app/app.hpp"
#include "app/assignments.hpp"
#include "crypto.hpp"
#include "log.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/json_reader.hpp"

namespace trailpack::server {

using nlohmann::json;

namespace {

// Fingerprint of an item's content: a changed fingerprint means learners' progress on
// that item no longer describes the same thing.
std::map<std::string, std::string> item_fingerprints(const bundle::Course& c) {
  std::map<std::string, std::string> out;
  const json j = bundle::course_to_json(c);
  for (const auto& m : j["modules"])
    for (const auto& it : m["items"]) out[it["id"].get<std::string>()] = crypto::token_hash(it.dump());
  return out;
}

}  // namespace

bundle::SignatureVerifier App::verifier() {
  return [this](std::string_view message, std::string_view signature, const std::string& key_id) {
    std::string key;
    {
      std::lock_guard<std::mutex> lock(keys_mutex_);
      auto it = keys_.find(key_id);
      if (it == keys_.end()) return false;
      key = it->second;
    }
    return crypto::ed25519_verify(message, signature, key);
  };
}

void App::add_trusted_key(const std::string& public_key_raw, const std::string& name) {
  const std::string id = bundle::key_id_of(public_key_raw);
  db_->write([&](db::Connection& c) {
    c.exec("INSERT INTO trusted_keys(key_id, public_key, name, added_ms) VALUES ($1,$2,$3,$4) ON CONFLICT(key_id) DO NOTHING",
           {id, base64_encode(public_key_raw), name, now_ms()});
  });
  std::lock_guard<std::mutex> lock(keys_mutex_);
  keys_[id] = public_key_raw;
}

json App::trusted_keys_json() {
  json out = json::array();
  std::lock_guard<std::mutex> lock(keys_mutex_);
  for (const auto& [id, key] : keys_) out.push_back({{"key_id", id}, {"public_key", base64_encode(key)}, {"alg", "ed25519"}});
  return out;
}

std::optional<bundle::Course> App::current_course(const std::string& course_id) {
  std::optional<bundle::Course> out;
  db_->read([&](db::Connection& c) {
    auto rows = c.query("SELECT b.course_json FROM courses c JOIN bundles b ON b.course_id = c.id AND b.version = c.current_version "
                        "WHERE c.id = $1",
                        {course_id});
    if (rows.empty()) return;
    auto parsed = bundle::parse_course(json::parse(rows[0].str(0)));
    if (parsed) out = std::move(parsed).value();
  });
  return out;
}

json App::publish_bundle(std::string_view archive, bool dry_run, const std::string& by_user) {
  bundle::ArchiveLimits limits;
  limits.max_total_bytes = config_.max_bundle_bytes;
  auto opened = bundle::open_bundle(archive, verifier(), limits);
  if (!opened) {
    const int status = opened.error().code == "bad_signature" ? 422 : 400;
    throw HttpError{status, opened.error().code, opened.error().message, opened.error().where, {}};
  }
  const auto& b = *opened;
  json report = {{"course", b.manifest.course_id},
                 {"version", b.manifest.version},
                 {"title", b.course.title},
                 {"files", b.manifest.files.size()},
                 {"bytes", b.manifest.total_size()},
                 {"key_id", b.signature.key_id},
                 {"dry_run", dry_run}};
  // Impact against the current version.
  auto current = current_course(b.manifest.course_id);
  json changed = json::array(), removed = json::array(), added = json::array();
  std::int64_t learners_affected = 0;
  if (current) {
    if (current->version >= b.manifest.version)
      throw HttpError{409, "version_not_newer",
                      "version " + std::to_string(b.manifest.version) + " is not newer than the published version " +
                          std::to_string(current->version),
                      "manifest.json: version", {}};
    const auto before = item_fingerprints(*current), after = item_fingerprints(b.course);
    std::vector<std::string> touched;
    for (const auto& [id, fp] : before) {
      auto it = after.find(id);
      if (it == after.end()) {
        removed.push_back(id);
        touched.push_back(id);
      } else if (it->second != fp) {
        changed.push_back(id);
        touched.push_back(id);
      }
    }
    for (const auto& [id, fp] : after)
      if (!before.count(id)) added.push_back(id);
    if (!touched.empty()) {
      db_->read([&](db::Connection& c) {
        std::string in;
        db::Params params{b.manifest.course_id};
        for (std::size_t i = 0; i < touched.size(); ++i) {
          in += (i ? "," : "") + std::string("$") + std::to_string(i + 2);
          params.push_back(bundle::item_iri(b.manifest.course_id, touched[i]));
        }
        // Learners with statements on a touched item (directly or as its parent).
        auto rows = c.query("SELECT COUNT(DISTINCT user_id) FROM statements WHERE course_id = $1 AND user_id IS NOT NULL "
                            "AND (object_id IN (" + in + ") OR parent_id IN (" + in + "))",
                            params);
        learners_affected = rows.empty() ? 0 : rows[0].i64(0);
      });
    }
    report["previous_version"] = current->version;
  }
  report["items_changed"] = changed;
  report["items_removed"] = removed;
  report["items_added"] = added;
  report["learners_affected"] = learners_affected;
  if (dry_run) return report;

  const std::int64_t now = now_ms();
  db_->write([&](db::Connection& c) {
    // The version check above ran outside this transaction; two publishers of one course
    // (two admins, or two server processes) must not both pass it, or an older version could
    // replace a newer one. So: one publisher per course at a time, and check again.
    serialize_writers(c, "trailpack:course:" + b.manifest.course_id);
    auto cur = c.query("SELECT current_version FROM courses WHERE id = $1", {b.manifest.course_id});
    if (!cur.empty() && cur[0].i64(0) >= b.manifest.version)
      throw HttpError{409, "version_not_newer",
                      "version " + std::to_string(b.manifest.version) + " is not newer than the published version " +
                          std::to_string(cur[0].i64(0)),
                      "manifest.json: version", {}};
    for (const auto& f : b.files) {
      const auto* mf = b.manifest.find(f.path);
      c.exec("INSERT INTO blobs(sha256, size, data) VALUES ($1,$2,$3) ON CONFLICT(sha256) DO NOTHING",
             {mf->sha256, static_cast<std::int64_t>(mf->size), db::Blob{f.data}});
    }
    std::string course_json;
    for (const auto& f : b.files)
      if (f.path == "course.json") course_json = f.data;
    c.exec("INSERT INTO bundles(course_id, version, manifest, signature, key_id, course_json, title, language, published_ms, published_by) "
           "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
           {b.manifest.course_id, b.manifest.version, b.manifest_bytes, bundle::signature_to_json(b.signature).dump(),
            b.signature.key_id, course_json, b.course.title, b.course.language, now, by_user});
    c.exec("INSERT INTO courses(id, current_version, updated_ms) VALUES ($1,$2,$3) "
           "ON CONFLICT(id) DO UPDATE SET current_version = excluded.current_version, updated_ms = excluded.updated_ms",
           {b.manifest.course_id, b.manifest.version, now});
  });
  log_event("info", "bundle_published", {{"course", b.manifest.course_id}, {"version", b.manifest.version}});
  refresh_kpi_course(b.manifest.course_id);  // KPI facts follow the current version
  report["published"] = true;
  return report;
}

void register_bundle_routes(Router& router, App& app) {
  // Publish (admins). Body: the .tpk archive. ?dry_run=1 validates and reports only.
  router.add(
      "POST", "/api/v1/bundles",
      [&app](Request& req) {
        Principal p = app.require_admin(req);
        const bool dry = req.query_param("dry_run").value_or("0") != "0";
        json report = app.publish_bundle(req.body, dry, p.user_id);
        return Response::json(dry ? 200 : 201, report);
      },
      {.body_limit = app.config().max_bundle_bytes + (1 << 20),
       .before_body = [&app](const Request& req) { app.require_admin(req); }});

  router.add("GET", "/api/v1/keys", [&app](Request&) { return Response::json(200, {{"keys", app.trusted_keys_json()}}); });

  // Published courses with their current manifests: what a device may download.
  // A learner's device is offered the courses assigned to the learner, or every course
  // when the organisation's catalogue is open (the default); staff see every course.
  router.add("GET", "/api/v1/courses", [&app](Request& req) {
    const Principal p = app.require(req, {Principal::Kind::session, Principal::Kind::device});
    json list = json::array();
    app.db().read([&](db::Connection& c) {
      const auto offered = p.kind == Principal::Kind::device ? assignments::offered_courses(c, p.user_id, p.org_id)
                                                             : std::optional<std::set<std::string>>();
      for (const auto& r : c.query("SELECT b.course_id, b.version, b.title, b.language, b.manifest, b.signature "
                                   "FROM courses c JOIN bundles b ON b.course_id = c.id AND b.version = c.current_version "
                                   "ORDER BY b.title")) {
        if (offered && !offered->count(r.str(0))) continue;
        const json manifest = json::parse(r.str(4));
        std::int64_t bytes = 0;
        for (const auto& f : manifest["files"]) bytes += f["size"].get<std::int64_t>();
        list.push_back({{"id", r.str(0)}, {"version", r.i64(1)}, {"title", r.str(2)}, {"language", r.str(3)},
                        {"bytes", bytes}, {"manifest", r.str(4)}, {"signature", json::parse(r.str(5))}});
      }
    });
    return Response::json(200, {{"courses", list}});
  });

  router.add("GET", "/api/v1/courses/{id}/versions", [&app](Request& req) {
    app.require_staff(req);
    json list = json::array();
    app.db().read([&](db::Connection& c) {
      for (const auto& r : c.query("SELECT version, title, published_ms, key_id FROM bundles WHERE course_id = $1 ORDER BY version DESC",
                                   {req.param("id")}))
        list.push_back({{"version", r.i64(0)}, {"title", r.str(1)}, {"published_ms", r.i64(2)}, {"key_id", r.str(3)}});
    });
    return Response::json(200, {{"versions", list}});
  });

  // Content-addressed files: immutable, cacheable forever, resumable with Range.
  router.add("GET", "/api/v1/files/{sha256}", [&app](Request& req) {
    const std::string& h = req.param("sha256");
    if (h.size() != 64) throw HttpError{400, "invalid_hash", "expected a SHA-256 in hex", "sha256", {}};
    app.require(req, {Principal::Kind::session, Principal::Kind::device});
    std::string data;
    bool found = false;
    app.db().read([&](db::Connection& c) {
      auto rows = c.query("SELECT data FROM blobs WHERE sha256 = $1", {h});
      if (!rows.empty()) {
        data = rows[0].str(0);
        found = true;
      }
    });
    if (!found) throw HttpError{404, "not_found", "no file with this hash", {}, {}};
    Response res;
    res.content_type = "application/octet-stream";
    res.header("Cache-Control", "private, max-age=31536000, immutable");
    res.header("ETag", "\"" + h + "\"");
    res.header("Accept-Ranges", "bytes");
    // Course files are the publisher's bytes (an SVG may carry scripts). The app reads them
    // with fetch() and shows them from blob: URLs; opened directly, they are a download,
    // and even if rendered, sandboxed with nothing allowed.
    res.header("Content-Security-Policy", "default-src 'none'; sandbox");
    res.header("Content-Disposition", "attachment");
    if (auto range = req.header("range"); range && range->rfind("bytes=", 0) == 0) {
      const std::string spec = range->substr(6);
      const auto dash = spec.find('-');
      try {
        std::size_t start = 0, end = data.size() - 1;
        if (dash == 0) {
          // "bytes=-N": the last N bytes (RFC 9110 14.1.1).
          const std::size_t n = std::stoull(spec.substr(1));
          if (n == 0) throw std::out_of_range("range");
          start = n >= data.size() ? 0 : data.size() - n;
        } else {
          start = std::stoull(spec.substr(0, dash));
          if (dash != std::string::npos && dash + 1 < spec.size()) end = std::min<std::size_t>(std::stoull(spec.substr(dash + 1)), end);
        }
        if (start >= data.size() || start > end) throw std::out_of_range("range");
        res.status = 206;
        res.header("Content-Range", "bytes " + std::to_string(start) + "-" + std::to_string(end) + "/" + std::to_string(data.size()));
        res.body = data.substr(start, end - start + 1);
        return res;
      } catch (const std::exception&) {
        return Response::error(416, "bad_range", "the requested range is not satisfiable")
            .header("Content-Range", "bytes */" + std::to_string(data.size()));
      }
    }
    res.body = std::move(data);
    return res;
  });
}

}  // namespace trailpack::server
