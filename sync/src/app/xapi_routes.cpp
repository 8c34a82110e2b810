// The xAPI 1.0.3 LRS: the About resource and the Statements resource (PUT, POST, GET
// with every filter of part three 2.1.3, `more` paging, formats, attachments, voiding).
// Who may read what: xAPI clients by scope (statements/read: everything;
// statements/read/mine: what they stored), learners (device tokens) their own
// statements, managers the learners of the groups they manage, admins their
// organisation. Resources that are not statements live in xapi_documents.cpp and
// xapi_activities_agents.cpp; the shared pipeline in lrs_common.cpp.
#include <algorithm>
#include <cctype>
#include <set>

#include "app/lrs.hpp"
#include "crypto.hpp"
#include "http/multipart.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/json_reader.hpp"
#include "trailpack/uuid.hpp"
#include "trailpack/xapi/format.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::server::lrs {

using nlohmann::json;

namespace {

constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxLimit = 500;

// Builds SQL with numbered parameters.
struct Sql {
  db::Params params;
  std::string p(db::Value v) {
    params.push_back(std::move(v));
    return "$" + std::to_string(params.size());
  }
};

// What the caller may read, as a condition on statements (and the CTEs it needs).
struct ReadScope {
  std::string cte;     ///< "name(cols) AS (...)" or empty
  std::string clause;  ///< empty: everything
};

ReadScope read_scope(const Caller& c, Sql& sql) {
  const Principal& p = c.p;
  if (c.client()) {
    if (p.has_scope("statements/read") || p.has_scope("all/read")) return {};
    return {{}, "client_key = " + sql.p(p.client_key)};  // statements/read/mine
  }
  if (p.kind == Principal::Kind::session && p.role == "admin")
    return {{}, "user_id IN (SELECT id FROM users WHERE org_id = " + sql.p(p.org_id) + ")"};
  if (p.kind == Principal::Kind::session && p.role == "manager") {
    const std::string me = sql.p(p.user_id);
    return {"scope_groups(id) AS (SELECT group_id FROM manager_scopes WHERE user_id = " + me +
                " UNION SELECT g.id FROM user_groups g JOIN scope_groups sg ON g.parent_id = sg.id)",
            "(user_id = " + me +
                " OR user_id IN (SELECT m.user_id FROM group_members m JOIN users u ON u.id = m.user_id "
                "WHERE u.role = 'learner' AND m.group_id IN (SELECT id FROM scope_groups)))"};
  }
  return {{}, "user_id = " + sql.p(p.user_id)};  // a learner's device (or session)
}

// The statement as served: stored, version and, for statements stored without one (a
// device's or a session's), the authority that stored them.
json served(App& app, const db::Row& r, std::size_t body_col) {
  const std::string user_id = r.str(body_col + 2);
  json authority = user_id.empty() ? json() : app.agent_for(user_id, "");
  return App::served_form(r.str(body_col), r.i64(body_col + 1), authority);
}

struct Format {
  std::string name = "exact";
  std::vector<xapi::LanguageRange> languages;
  std::map<std::string, json> canonical;  // activity id -> definition (null: none)
};

void apply_format(App& app, Format& f, json& s) {
  if (f.name == "ids") return xapi::to_ids_format(s);
  if (f.name != "canonical") return;
  auto lookup = [&](const std::string& id) -> json {
    auto it = f.canonical.find(id);
    if (it != f.canonical.end()) return it->second;
    json def;
    app.db().read([&](db::Connection& c) {
      auto rows = c.query("SELECT definition FROM activity_definitions WHERE activity_id = $1", {id});
      if (!rows.empty()) def = json::parse(rows[0].str(0));
    });
    f.canonical[id] = def;
    return def;
  };
  xapi::to_canonical_format(s, lookup, f.languages);
}

// The raw data of a statement's attachments that the LRS holds (fileUrl-only ones have none).
void collect_attachments(App& app, const json& s, std::vector<std::pair<std::string, AttachmentData>>& out,
                         std::set<std::string>& seen, std::size_t* bytes) {
  for (const auto& a : xapi::attachment_objects(s)) {
    if (!a.is_object() || !a.contains("sha2") || !a["sha2"].is_string()) continue;
    const std::string sha2 = ascii_lower(a["sha2"].get<std::string>());
    if (!seen.insert(sha2).second) continue;
    app.db().read([&](db::Connection& c) {
      auto rows = c.query("SELECT content_type, data FROM xapi_attachments WHERE sha2 = $1", {sha2});
      if (rows.empty()) return;
      out.emplace_back(sha2, AttachmentData{rows[0].str(0), rows[0].str(1)});
      if (bytes) *bytes += out.back().second.data.size();
    });
  }
}

// Bytes of attachment data a statement would add to a multipart answer.
std::size_t attachment_bytes(App& app, const json& s, const std::set<std::string>& seen) {
  std::size_t n = 0;
  for (const auto& a : xapi::attachment_objects(s)) {
    if (!a.is_object() || !a.contains("sha2") || !a["sha2"].is_string()) continue;
    const std::string sha2 = ascii_lower(a["sha2"].get<std::string>());
    if (seen.count(sha2)) continue;
    app.db().read([&](db::Connection& c) {
      auto rows = c.query("SELECT length FROM xapi_attachments WHERE sha2 = $1", {sha2});
      if (!rows.empty()) n += static_cast<std::size_t>(rows[0].i64(0));
    });
  }
  return n;
}

// ---------------------------------------------------------------- PUT / POST

Response store(App& app, Request& req, bool put) {
  Caller caller = authorize(app, req, Need::statements_write);
  if (put) only_params(req, {"statementId"});
  else only_params(req, {});
  StatementsBody body = read_statements_body(req);
  auto parsed = parse_json_text(body.json_text);
  if (!parsed) throw HttpError{400, "invalid_json", "the statements are not valid JSON (" + parsed.error().message + ")", parsed.error().where, {}};
  json statements = std::move(parsed).value();
  std::vector<json> list;
  const bool batch = !put && statements.is_array();
  if (put) {
    const std::string id = required_param(req, "statementId");
    if (!is_uuid(id)) throw HttpError{400, "invalid_parameter", "statementId must be a UUID", "statementId", {}};
    if (!statements.is_object()) throw HttpError{400, "invalid_statement", "PUT takes a single statement object", {}, {}};
    if (statements.contains("id") &&
        (!statements["id"].is_string() || normalize_uuid(statements["id"].get<std::string>()) != normalize_uuid(id)))
      throw HttpError{400, "invalid_statement", "the statement's id does not match statementId", "id", {}};
    statements["id"] = normalize_uuid(id);
    list.push_back(std::move(statements));
  } else if (batch) {
    if (statements.size() > kMaxBatch)
      throw HttpError{413, "too_many_statements", "at most " + std::to_string(kMaxBatch) + " statements per request", {}, {}};
    if (statements.empty()) throw HttpError{400, "invalid_statement", "the batch is empty", {}, {}};
    list.assign(statements.begin(), statements.end());
  } else {
    list.push_back(std::move(statements));
  }
  // Part three 2.1.2: two statements with the same id in one batch reject it (400).
  std::map<std::string, std::size_t> ids;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object() || !list[i].contains("id") || !list[i]["id"].is_string() || !is_uuid(list[i]["id"].get<std::string>())) continue;
    auto [it, fresh] = ids.emplace(normalize_uuid(list[i]["id"].get<std::string>()), i);
    if (!fresh)
      throw HttpError{400, "invalid_statement",
                      "[" + std::to_string(i) + "].id: statement " + it->first + " appears twice in this batch (first at [" +
                          std::to_string(it->second) + "])",
                      "[" + std::to_string(i) + "].id", {}};
  }
  // Structure first, so that a malformed statement is named as such, then attachments.
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto valid = xapi::validate_statement(list[i], {.require_id = false, .allow_lrs_fields = true});
    if (!valid) {
      std::string where = valid.error().where;
      if (batch) where = "[" + std::to_string(i) + "]" + (where == "$" || where.empty() ? "" : "." + where);
      throw HttpError{400, "invalid_statement", (where.empty() ? "" : where + ": ") + valid.error().message, where, {}};
    }
  }
  check_attachments(list, batch, body);
  for (auto& s : list) s["authority"] = authority_of(caller.p, app.config().public_url);
  auto out = app.store_statements(caller.p, std::move(list), /*atomic=*/true, caller.p.device_id, body.attachments);
  for (std::size_t i = 0; i < out.outcomes.size(); ++i) {
    const auto& o = out.outcomes[i];
    const std::string prefix = batch ? "[" + std::to_string(i) + "]." : "";
    if (o.status == sync::PushStatus::rejected)
      throw HttpError{o.error.find("learner can only record") != std::string::npos ? 403 : 400, "invalid_statement", prefix + o.error, {}, {}};
    if (o.status == sync::PushStatus::conflict) throw HttpError{409, "conflict", "statement " + o.id + ": " + o.error, {}, {}};
  }
  if (put) return Response::no_content();
  json result = json::array();
  for (const auto& o : out.outcomes) result.push_back(o.id);
  return Response::json(200, result);
}

// ---------------------------------------------------------------- GET

constexpr std::initializer_list<const char*> kQueryParams = {
    "agent", "verb", "activity", "registration", "related_activities", "related_agents", "since", "until",
    "limit", "format", "attachments", "ascending"};

Response respond(App& app, const json& result, bool attachments, const std::vector<json>& statements, std::int64_t last_stored) {
  Response r;
  if (attachments) {
    std::vector<std::pair<std::string, AttachmentData>> data;
    std::set<std::string> seen;
    for (const auto& s : statements) collect_attachments(app, s, data, seen, nullptr);
    r = multipart_response(200, result, data);
  } else {
    r = Response::json(200, result);
  }
  if (last_stored > 0) r.header("Last-Modified", http_date(last_stored));
  return r;
}

Response get_statements(App& app, Request& req) {
  Caller caller = authorize(app, req, Need::statements_read);
  only_params(req, {"statementId", "voidedStatementId", "agent", "verb", "activity", "registration", "related_activities",
                    "related_agents", "since", "until", "limit", "format", "attachments", "ascending", "more"});
  Format format;
  format.languages = xapi::parse_accept_language(req.header("accept-language").value_or(""));
  auto read_format = [&](const Request& r) {
    format.name = r.query_param("format").value_or("exact");
    if (format.name != "exact" && format.name != "ids" && format.name != "canonical")
      throw HttpError{400, "invalid_parameter", "format must be exact, ids or canonical", "format", {}};
  };

  // One statement by id.
  if (req.query_param("statementId") && req.query_param("voidedStatementId"))
    throw HttpError{400, "invalid_parameter", "statementId and voidedStatementId cannot be combined", "voidedStatementId", {}};
  for (const char* key : {"statementId", "voidedStatementId"}) {
    auto id = req.query_param(key);
    if (!id) continue;
    for (const auto& [k, v] : req.query)
      if (k != key && k != "format" && k != "attachments")
        throw HttpError{400, "invalid_parameter", k + " cannot be combined with " + key, k, {}};
    if (!is_uuid(*id)) throw HttpError{400, "invalid_parameter", std::string(key) + " must be a UUID", key, {}};
    read_format(req);
    const bool attachments = bool_param(req, "attachments", false);
    const bool voided_wanted = std::string(key) == "voidedStatementId";
    Sql sql;
    const std::string id_ph = sql.p(normalize_uuid(*id));
    ReadScope scope = read_scope(caller, sql);
    const std::string text = (scope.cte.empty() ? "" : "WITH RECURSIVE " + scope.cte + " ") +
                             "SELECT voided, body, stored_ms, user_id FROM statements WHERE id = " + id_ph +
                             (scope.clause.empty() ? "" : " AND " + scope.clause);
    json found;
    std::int64_t stored = 0;
    app.db().read([&](db::Connection& c) {
      auto rows = c.query(text, sql.params);
      if (rows.empty() || (rows[0].i64(0) != 0) != voided_wanted) return;
      found = served(app, rows[0], 1);
      stored = rows[0].i64(2);
    });
    if (found.is_null()) throw HttpError{404, "not_found", "no such statement", {}, {}};
    apply_format(app, format, found);
    return respond(app, found, attachments, {found}, stored);
  }

  // A query. `more` carries the original parameters plus the last seq served; it comes
  // back from the client, so it is checked like any other input.
  Request q;
  std::int64_t after = 0;
  if (auto more = req.query_param("more")) {
    if (req.query.size() > 1) throw HttpError{400, "invalid_parameter", "more cannot be combined with other parameters", "more", {}};
    auto decoded = base64_decode(*more);
    json m;
    if (decoded) {
      if (auto parsed = parse_json_text(*decoded)) m = std::move(parsed).value();
    }
    bool valid = m.is_object() && m.contains("q") && m["q"].is_object() && m.contains("after") && m["after"].is_number_integer() &&
                 m["after"].get<std::int64_t>() > 0;
    if (valid)
      for (const auto& [k, v] : m["q"].items())
        valid = valid && v.is_string() &&
                std::find_if(kQueryParams.begin(), kQueryParams.end(), [&](const char* a) { return k == a; }) != kQueryParams.end();
    if (!valid) throw HttpError{400, "invalid_parameter", "more is not a valid continuation", "more", {}};
    for (const auto& [k, v] : m["q"].items()) q.query.emplace(k, v.get<std::string>());
    after = m["after"].get<std::int64_t>();
  } else {
    for (const char* k : kQueryParams)
      if (auto v = req.query_param(k)) q.query.emplace(k, *v);
  }
  read_format(q);
  const bool attachments = bool_param(q, "attachments", false);
  const bool related_agents = bool_param(q, "related_agents", false);
  const bool related_activities = bool_param(q, "related_activities", false);
  const bool ascending = bool_param(q, "ascending", false);
  std::int64_t limit = kDefaultLimit;
  if (auto l = q.query_param("limit")) {
    const bool digits = !l->empty() && l->size() <= 9 && std::all_of(l->begin(), l->end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) throw HttpError{400, "invalid_parameter", "limit must be a whole number, 0 or more", "limit", {}};
    limit = std::stoll(*l);
    if (limit == 0 || limit > kMaxLimit) limit = kMaxLimit;
  }

  Sql sql;
  std::vector<std::string> ctes;
  std::vector<std::string> where = {"voided = 0"};
  // Filters other than time and order also match a statement through the statements
  // it targets with a StatementRef, recursively (part three 2.1.3, "Filter Conditions
  // for StatementRefs"): each becomes a recursive set of matching ids.
  auto filter = [&](const std::string& condition) {
    const std::string name = "m" + std::to_string(ctes.size());
    ctes.push_back(name + "(id) AS (SELECT id FROM statements WHERE " + condition + " UNION SELECT s.id FROM statements s JOIN " +
                   name + " ON s.object_type = 'StatementRef' AND s.object_id = " + name + ".id)");
    where.push_back("id IN (SELECT id FROM " + name + ")");
  };
  if (q.query_param("agent")) {
    const json agent = agent_param(q, "agent", /*allow_group=*/true);
    filter("id IN (SELECT statement_id FROM statement_agents WHERE agent_key = " + sql.p(xapi::actor_key(agent)) +
           (related_agents ? "" : " AND relation IN ('actor', 'object')") + ")");
  }
  if (q.query_param("verb")) filter("verb = " + sql.p(iri_param(q, "verb")));
  if (q.query_param("activity")) {
    const std::string activity = iri_param(q, "activity");
    filter(related_activities ? "id IN (SELECT statement_id FROM statement_activities WHERE activity_id = " + sql.p(activity) + ")"
                              : "object_type = 'Activity' AND object_id = " + sql.p(activity));
  }
  if (auto reg = uuid_param(q, "registration")) filter("registration = " + sql.p(*reg));
  if (auto since = time_param(q, "since")) where.push_back("stored_ms > " + sql.p(*since));
  if (auto until = time_param(q, "until")) where.push_back("stored_ms <= " + sql.p(*until));
  ReadScope scope = read_scope(caller, sql);
  if (!scope.cte.empty()) ctes.insert(ctes.begin(), scope.cte);
  if (!scope.clause.empty()) where.push_back(scope.clause);
  if (after) where.push_back(std::string(ascending ? "seq > " : "seq < ") + sql.p(after));
  std::string text;
  if (!ctes.empty()) {
    text = "WITH RECURSIVE ";
    for (std::size_t i = 0; i < ctes.size(); ++i) text += (i ? ", " : "") + ctes[i];
    text += " ";
  }
  text += "SELECT seq, body, stored_ms, user_id FROM statements WHERE ";
  for (std::size_t i = 0; i < where.size(); ++i) text += (i ? " AND " : "") + where[i];
  text += std::string(" ORDER BY seq ") + (ascending ? "ASC" : "DESC") + " LIMIT " + sql.p(limit + 1);

  std::vector<json> statements;
  std::int64_t last_seq = 0, last_stored = 0;
  bool more_rows = false;
  db::Rows rows;
  app.db().read([&](db::Connection& c) { rows = c.query(text, sql.params); });
  more_rows = static_cast<std::int64_t>(rows.size()) > limit;
  if (more_rows) rows.pop_back();
  std::set<std::string> seen_attachments;
  std::size_t attachment_total = 0;
  for (const auto& r : rows) {
    json s = served(app, r, 1);
    if (attachments) {
      // Pages with attachment data stay within kResponseAttachmentBytes (but always
      // hold at least one statement); `more` continues after the last one served.
      const std::size_t add = attachment_bytes(app, s, seen_attachments);
      if (!statements.empty() && attachment_total + add > kResponseAttachmentBytes) {
        more_rows = true;
        break;
      }
      attachment_total += add;
      for (const auto& a : xapi::attachment_objects(s))
        if (a.is_object() && a.contains("sha2") && a["sha2"].is_string()) seen_attachments.insert(ascii_lower(a["sha2"].get<std::string>()));
    }
    apply_format(app, format, s);
    statements.push_back(std::move(s));
    last_seq = r.i64(0);
    last_stored = std::max(last_stored, r.i64(2));
  }
  json result = {{"statements", statements}, {"more", ""}};
  if (more_rows) {
    json qj = json::object();
    for (const auto& [k, v] : q.query) qj[k] = v;
    result["more"] = "/xapi/statements?more=" + base64_encode(json{{"q", qj}, {"after", last_seq}}.dump(), true);
  }
  return respond(app, result, attachments, statements, last_stored);
}

}  // namespace

void register_statement_routes(Router& router, App& app) {
  add_resource(router, app, "/xapi/about",
               {{"GET", {[](Request& req) {
                   only_params(req, {});
                   return Response::json(200, {{"version", json::array({"1.0.3", "1.0.2", "1.0.1", "1.0.0"})},
                                               {"extensions", {{"urn:trailpack:ext:product", "Trailpack LRS"}}}});
                 }}}},
               {.version_required = false});
  add_resource(router, app, "/xapi/statements",
               {{"GET", {[&app](Request& req) { return get_statements(app, req); }}},
                // Credentials before the body: a 32 MiB upload is not read to be refused.
                {"PUT", {[&app](Request& req) { return store(app, req, true); }, kStatementsBodyLimit, Need::statements_write}},
                {"POST", {[&app](Request& req) { return store(app, req, false); }, kStatementsBodyLimit, Need::statements_write}}},
               {.statements = true});
}

}  // namespace trailpack::server::lrs

namespace trailpack::server {

void register_xapi_routes(Router& router, App& app) {
  lrs::register_statement_routes(router, app);
  lrs::register_document_routes(router, app);
  lrs::register_activity_agent_routes(router, app);
  lrs::add_not_found(router, app);
}

}  // namespace trailpack::server
