// The xAPI document resources (part three 2.2, 2.3, 2.6, 2.7): State
// (/xapi/activities/state), Activity Profile (/xapi/activities/profile) and Agent
// Profile (/xapi/agents/profile). Documents are any bytes with a content type; POST
// merges JSON objects; concurrency by ETag (the SHA-1 of the content) with If-Match and
// If-None-Match (part three 3.1). Learners (devices) reach only their own State and
// Agent Profile documents and read Activity Profiles; xAPI clients need the `state` or
// `profile` scope (`all/read` reads).
#include <algorithm>

#include "app/lrs.hpp"
#include "crypto.hpp"
#include "http/multipart.hpp"
#include "trailpack/json_reader.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::server::lrs {

using nlohmann::json;

namespace {

enum class Kind { state, activity_profile, agent_profile };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::state: return "state";
    case Kind::activity_profile: return "activity_profile";
    case Kind::agent_profile: return "agent_profile";
  }
  return "";
}

const char* id_param(Kind k) { return k == Kind::state ? "stateId" : "profileId"; }

// Which documents a request names: one (doc_id set) or a set (list, delete all).
struct Target {
  Kind kind;
  std::string activity_id;              ///< "" for agent profiles
  std::string agent_key;                ///< "" for activity profiles
  std::optional<std::string> registration;  ///< State only
  std::optional<std::string> doc_id;
  std::optional<TimeMs> since;
};

Target read_target(const Request& req, Kind kind) {
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool single_required = req.method == "PUT" || req.method == "POST" || (kind != Kind::state && req.method == "DELETE");
  switch (kind) {
    case Kind::state:
      if (get) only_params(req, {"activityId", "agent", "registration", "stateId", "since"});
      else only_params(req, {"activityId", "agent", "registration", "stateId"});
      break;
    case Kind::activity_profile:
      if (get) only_params(req, {"activityId", "profileId", "since"});
      else only_params(req, {"activityId", "profileId"});
      break;
    case Kind::agent_profile:
      if (get) only_params(req, {"agent", "profileId", "since"});
      else only_params(req, {"agent", "profileId"});
      break;
  }
  Target t{kind, {}, {}, {}, {}, {}};
  if (kind != Kind::agent_profile) t.activity_id = iri_param(req, "activityId");
  if (kind != Kind::activity_profile) t.agent_key = xapi::actor_key(agent_param(req, "agent", /*allow_group=*/false));
  if (kind == Kind::state) t.registration = uuid_param(req, "registration");
  const char* idp = id_param(kind);
  if (auto id = req.query_param(idp)) {
    if (id->empty()) throw HttpError{400, "invalid_parameter", std::string(idp) + " must not be empty", idp, {}};
    if (id->size() > kDocumentIdLimit)
      throw HttpError{400, "invalid_parameter", std::string(idp) + " is longer than " + std::to_string(kDocumentIdLimit) + " bytes", idp, {}};
    t.doc_id = *id;
  } else if (single_required) {
    throw HttpError{400, "invalid_parameter", std::string(idp) + " is required", idp, {}};
  }
  t.since = time_param(req, "since");
  if (t.since && t.doc_id) throw HttpError{400, "invalid_parameter", std::string("since cannot be combined with ") + idp, "since", {}};
  return t;
}

// Learners and staff reach documents about themselves; clients by scope.
Caller authorize_documents(App& app, const Request& req, const Target& t, bool write) {
  const bool state = t.kind == Kind::state;
  Caller c = authorize(app, req, state ? (write ? Need::state_write : Need::state_read) : (write ? Need::profile_write : Need::profile_read));
  if (c.client()) return c;
  if (t.kind == Kind::activity_profile) {
    if (write) throw HttpError{403, "forbidden", "only xAPI clients with the profile scope can change activity profiles", {}, {}};
    return c;
  }
  if (!c.is_self(t.agent_key))
    throw HttpError{403, "forbidden", std::string("a learner can only use their own ") + (state ? "state documents" : "agent profile"),
                    "agent", {}};
  return c;
}

struct Stored {
  std::string content_type;
  std::string content;
  std::string etag;
  std::int64_t updated_ms = 0;
};

// The WHERE clause and parameters of a target (one document, or the set it names).
std::string target_where(const Target& t, db::Params& params, bool single) {
  params = {std::string(kind_name(t.kind)), t.activity_id, t.agent_key};
  std::string where = "kind = $1 AND activity_id = $2 AND agent_key = $3";
  if (single) {
    params.push_back(t.registration.value_or(""));
    params.push_back(*t.doc_id);
    where += " AND registration = $4 AND doc_id = $5";
  } else if (t.registration) {
    params.push_back(*t.registration);
    where += " AND registration = $" + std::to_string(params.size());
  }
  return where;
}

std::optional<Stored> load(db::Connection& c, const Target& t) {
  db::Params params;
  const std::string where = target_where(t, params, true);
  auto rows = c.query("SELECT content_type, content, etag, updated_ms FROM xapi_documents WHERE " + where, params);
  if (rows.empty()) return std::nullopt;
  return Stored{rows[0].str(0), rows[0].str(1), rows[0].str(2), rows[0].i64(3)};
}

// RFC 7232 entity-tag lists: "*" or comma-separated (weak tags compare by their value).
struct TagList {
  bool any = false;
  std::vector<std::string> tags;
  bool contains(const std::string& etag) const { return any || std::find(tags.begin(), tags.end(), etag) != tags.end(); }
};

std::optional<TagList> tag_list(const Request& req, const char* header) {
  auto h = req.header(header);
  if (!h) return std::nullopt;
  TagList out;
  std::size_t start = 0;
  const std::string& v = *h;
  while (start <= v.size()) {
    std::size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    std::string tag = v.substr(start, end - start);
    const auto first = tag.find_first_not_of(" \t");
    tag = first == std::string::npos ? std::string() : tag.substr(first, tag.find_last_not_of(" \t") - first + 1);
    if (tag == "*") out.any = true;
    else if (!tag.empty()) {
      if (tag.rfind("W/", 0) == 0) tag.erase(0, 2);
      if (tag.size() >= 2 && tag.front() == '"' && tag.back() == '"') tag = tag.substr(1, tag.size() - 2);
      out.tags.push_back(tag);
    }
    start = end + 1;
  }
  return out;
}

// Part three 3.1: 412 when a precondition fails, 409 for a PUT that overwrites a profile
// without either header. Nothing is changed in both cases.
void check_preconditions(const Request& req, const Target& t, const std::optional<Stored>& existing) {
  const auto if_match = tag_list(req, "if-match");
  const auto if_none_match = tag_list(req, "if-none-match");
  if (if_match) {
    if (!existing) throw HttpError{412, "precondition_failed", "If-Match: there is no such document", "If-Match", {}};
    if (!if_match->contains(existing->etag))
      throw HttpError{412, "precondition_failed", "If-Match: the document has changed (its ETag is now \"" + existing->etag + "\")",
                      "If-Match", {}};
  }
  if (if_none_match && existing && if_none_match->contains(existing->etag))
    throw HttpError{412, "precondition_failed",
                    if_none_match->any ? "If-None-Match: the document already exists" : "If-None-Match: the document has this ETag",
                    "If-None-Match", {}};
  if (req.method == "PUT" && t.kind != Kind::state && existing && !if_match && !if_none_match)
    throw HttpError{409, "conflict",
                    "this document already exists: GET it for its current state, then PUT again with If-Match set to its ETag", {}, {}};
}

Response get_document(App& app, Request& req, Kind kind) {
  Target t = read_target(req, kind);
  authorize_documents(app, req, t, false);
  if (t.doc_id) {
    std::optional<Stored> doc;
    app.db().read([&](db::Connection& c) { doc = load(c, t); });
    if (!doc) throw HttpError{404, "not_found", "no such document", {}, {}};
    Response r = Response::text(200, doc->content, doc->content_type);
    r.header("ETag", "\"" + doc->etag + "\"");
    r.header("Last-Modified", http_date(doc->updated_ms));
    return r;
  }
  json ids = json::array();
  std::int64_t newest = 0;
  app.db().read([&](db::Connection& c) {
    db::Params params;
    std::string where = target_where(t, params, false);
    if (t.since) {
      params.push_back(*t.since);
      where += " AND updated_ms > $" + std::to_string(params.size());
    }
    for (const auto& r : c.query("SELECT doc_id, updated_ms FROM xapi_documents WHERE " + where + " ORDER BY doc_id, registration", params)) {
      if (ids.empty() || ids.back() != r.str(0)) ids.push_back(r.str(0));
      newest = std::max(newest, r.i64(1));
    }
  });
  Response r = Response::json(200, ids);
  r.header("ETag", "\"" + crypto::sha1_hex(r.body) + "\"");
  if (newest) r.header("Last-Modified", http_date(newest));
  return r;
}

Response put_or_post_document(App& app, Request& req, Kind kind, bool post) {
  Target t = read_target(req, kind);
  authorize_documents(app, req, t, true);
  if (req.body.size() > kDocumentLimit)
    throw HttpError{413, "document_too_large", "documents are limited to " + std::to_string(kDocumentLimit) + " bytes", {}, {}};
  const std::string content_type =
      storable_content_type(req.header("content-type").value_or("application/octet-stream"), "invalid_parameter", "Content-Type");
  const bool json_doc = media_type(content_type) == "application/json";
  json posted;
  if (post && json_doc) {
    auto parsed = parse_json_text(req.body);
    if (!parsed || !parsed->is_object())
      throw HttpError{400, "invalid_document", "POST merges JSON objects, and this application/json body is not one",
                      parsed ? std::string() : parsed.error().where, {}};
    posted = std::move(parsed).value();
  }
  const std::int64_t now = app.now_ms();
  app.db().write([&](db::Connection& c) {
    app.serialize_writers(c, std::string("xapi-doc|") + kind_name(t.kind) + "|" + t.activity_id + "|" + t.agent_key);
    const auto existing = load(c, t);
    check_preconditions(req, t, existing);
    std::string content = req.body, type = content_type;
    if (post && existing) {
      // Part three 2.2: POST to an existing document merges top-level properties; both
      // must be JSON objects.
      if (!json_doc || media_type(existing->content_type) != "application/json")
        throw HttpError{400, "invalid_document", "POST merges JSON documents: both the stored document and the body must be application/json",
                        "Content-Type", {}};
      // PUT stores any body as it came; the stored document is parsed with the nesting limit
      // (merging and writing JSON nested 100,000 deep would overflow the stack).
      auto stored = parse_json_text(existing->content);
      if (!stored || !stored->is_object())
        throw HttpError{400, "invalid_document", "POST merges JSON objects, and the stored document is not one", {}, {}};
      json merged = std::move(stored).value();
      for (auto it = posted.begin(); it != posted.end(); ++it) merged[it.key()] = it.value();
      content = merged.dump();
      type = existing->content_type;
      if (content.size() > kDocumentLimit)
        throw HttpError{413, "document_too_large", "the merged document would exceed " + std::to_string(kDocumentLimit) + " bytes", {}, {}};
    }
    c.exec("INSERT INTO xapi_documents(kind, activity_id, agent_key, registration, doc_id, content_type, content, etag, updated_ms) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
           "ON CONFLICT(kind, activity_id, agent_key, registration, doc_id) DO UPDATE SET content_type = excluded.content_type, "
           "content = excluded.content, etag = excluded.etag, updated_ms = excluded.updated_ms",
           {std::string(kind_name(t.kind)), t.activity_id, t.agent_key, t.registration.value_or(""), *t.doc_id, type,
            db::Blob{content}, crypto::sha1_hex(content), now});
  });
  return Response::no_content();
}

Response delete_document(App& app, Request& req, Kind kind) {
  Target t = read_target(req, kind);
  authorize_documents(app, req, t, true);
  app.db().write([&](db::Connection& c) {
    app.serialize_writers(c, std::string("xapi-doc|") + kind_name(t.kind) + "|" + t.activity_id + "|" + t.agent_key);
    db::Params params;
    if (t.doc_id) {
      const auto existing = load(c, t);
      check_preconditions(req, t, existing);
      const std::string where = target_where(t, params, true);
      c.exec("DELETE FROM xapi_documents WHERE " + where, params);
    } else {
      // Multiple-document DELETE (State only): every state of the activity and agent,
      // of one registration when given. (No single ETag to match: preconditions apply
      // to single documents.)
      const std::string where = target_where(t, params, false);
      c.exec("DELETE FROM xapi_documents WHERE " + where, params);
    }
  });
  return Response::no_content();
}

void add_documents(Router& router, App& app, const std::string& path, Kind kind) {
  // Credentials before the body (the handler checks the agent and the rest).
  const Need write = kind == Kind::state ? Need::state_write : Need::profile_write;
  add_resource(router, app, path,
               {{"GET", {[&app, kind](Request& req) { return get_document(app, req, kind); }}},
                {"PUT", {[&app, kind](Request& req) { return put_or_post_document(app, req, kind, false); }, kDocumentLimit, write}},
                {"POST", {[&app, kind](Request& req) { return put_or_post_document(app, req, kind, true); }, kDocumentLimit, write}},
                {"DELETE", {[&app, kind](Request& req) { return delete_document(app, req, kind); }}}});
}

}  // namespace

void register_document_routes(Router& router, App& app) {
  add_documents(router, app, "/xapi/activities/state", Kind::state);
  add_documents(router, app, "/xapi/activities/profile", Kind::activity_profile);
  add_documents(router, app, "/xapi/agents/profile", Kind::agent_profile);
}

}  // namespace trailpack::server::lrs
