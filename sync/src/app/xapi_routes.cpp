// The xAPI 1.0.3 LRS: About and the Statements resource (PUT, POST, GET with filters
// and `more` paging, voiding). Credentials: xAPI clients by HTTP Basic with scopes;
// learners (device tokens) reach only their own statements; staff sessions (admins and
// managers) read everything.
#include <algorithm>

#include "app/app.hpp"
#include "crypto.hpp"
#include "trailpack/encoding.hpp"
#include "trailpack/json_reader.hpp"
#include "trailpack/uuid.hpp"
#include "trailpack/xapi/statement.hpp"

namespace trailpack::server {

using nlohmann::json;

namespace {

void require_version_header(const Request& req) {
  auto v = req.header("x-experience-api-version");
  if (!v) throw HttpError{400, "missing_version", "the X-Experience-API-Version header is required", {}, {}};
  if (v->rfind("1.0", 0) != 0 || (v->size() > 3 && (*v)[3] != '.'))
    throw HttpError{400, "unsupported_version", "X-Experience-API-Version " + *v + " is not supported (1.0.x is)", {}, {}};
}

Response with_version(Response r) {
  r.header("X-Experience-API-Version", xapi::kVersion);
  return r;
}

// "Every response from the LRS MUST include" X-Experience-API-Version (xAPI 1.0.3,
// part three, 6.2): errors included, which the router builds from HttpError.
Handler lrs(Handler h) {
  return [h = std::move(h)](Request& req) {
    try {
      return h(req);
    } catch (HttpError& e) {
      e.headers.emplace_back("X-Experience-API-Version", xapi::kVersion);
      throw;
    }
  };
}

Principal require_xapi(App& app, const Request& req, bool write) {
  Principal p = app.authenticate(req);
  if (p.kind == Principal::Kind::none)
    throw HttpError{401, "unauthorized", "credentials are required", {}, {{"WWW-Authenticate", "Basic realm=\"trailpack-xapi\""}}};
  if (p.kind == Principal::Kind::xapi_client) {
    const bool ok = write ? p.has_scope("statements/write") : (p.has_scope("statements/read") || p.has_scope("all/read"));
    if (!ok) throw HttpError{403, "forbidden", std::string("this client lacks the ") + (write ? "statements/write" : "statements/read") + " scope", {}, {}};
  }
  return p;
}

// The learners a manager may read: members of the groups they manage and of those groups'
// subgroups (the console's rule, admin_routes.cpp), as a subquery on `$N` = the manager.
std::string managed_learners_sql(const std::string& ph) {
  return "(WITH RECURSIVE scope(id) AS (SELECT group_id FROM manager_scopes WHERE user_id = " + ph +
         " UNION SELECT g.id FROM user_groups g JOIN scope s ON g.parent_id = s.id) "
         "SELECT m.user_id FROM group_members m JOIN scope ON m.group_id = scope.id)";
}

json authority_of(const Principal& p, const std::string& home_page) {
  if (p.kind == Principal::Kind::xapi_client)
    return {{"objectType", "Agent"}, {"name", p.name}, {"account", {{"homePage", home_page}, {"name", p.client_key}}}};
  return {{"objectType", "Agent"}, {"account", {{"homePage", home_page}, {"name", p.user_id}}}};
}

// Reduces a statement to the "ids" format: actors and groups keep only identifiers,
// activities only their id.
void to_ids_format(json& s) {
  auto strip_agent = [](json& a) {
    if (!a.is_object()) return;
    for (const char* k : {"name"}) a.erase(k);
    if (a.contains("member") && a["member"].is_array())
      for (auto& m : a["member"]) m.erase("name");
  };
  strip_agent(s["actor"]);
  if (s.contains("object")) {
    json& o = s["object"];
    if (o.value("objectType", "Activity") == "Activity") o.erase("definition");
    else if (o.value("objectType", "") == "Agent" || o.value("objectType", "") == "Group") strip_agent(o);
  }
  if (s.contains("verb")) s["verb"].erase("display");
}

}  // namespace

void register_xapi_routes(Router& router, App& app) {
  router.add("GET", "/xapi/about", [](Request&) {
    return with_version(Response::json(200, {{"version", json::array({"1.0.3", "1.0.2", "1.0.1", "1.0.0"})},
                                             {"extensions", {{"urn:trailpack:ext:product", "Trailpack LRS"}}}}));
  });

  auto put_or_post = [&app](Request& req, bool put) {
    require_version_header(req);
    Principal p = require_xapi(app, req, true);
    json body = parse_body(req);
    std::vector<json> list;
    if (put) {
      auto id = req.query_param("statementId");
      if (!id || !is_uuid(*id)) throw HttpError{400, "invalid_parameter", "PUT needs a statementId query parameter (a UUID)", "statementId", {}};
      if (!body.is_object()) throw HttpError{400, "invalid_statement", "PUT takes a single statement object", {}, {}};
      if (body.contains("id") && (!body["id"].is_string() || normalize_uuid(body["id"].get<std::string>()) != normalize_uuid(*id)))
        throw HttpError{400, "invalid_statement", "the statement's id does not match statementId", "id", {}};
      body["id"] = normalize_uuid(*id);
      list.push_back(std::move(body));
    } else if (body.is_array()) {
      if (body.size() > 1000) throw HttpError{413, "too_many_statements", "at most 1000 statements per request", {}, {}};
      list.assign(body.begin(), body.end());
    } else {
      list.push_back(std::move(body));
    }
    for (auto& s : list)
      if (s.is_object()) s["authority"] = authority_of(p, app.config().public_url);
    auto out = app.store_statements(p, std::move(list), /*atomic=*/true, p.device_id);
    for (const auto& o : out.outcomes)
      if (o.status == sync::PushStatus::rejected)
        throw HttpError{o.error.find("learner can only") != std::string::npos ? 403 : 400, "invalid_statement", o.error, {}, {}};
      else if (o.status == sync::PushStatus::conflict)
        throw HttpError{409, "conflict", "statement " + o.id + ": " + o.error, {}, {}};
    if (put) return with_version(Response::no_content());
    json ids = json::array();
    for (const auto& o : out.outcomes) ids.push_back(o.id);
    return with_version(Response::json(200, ids));
  };
  // Version header and write credentials are checked before the body is received.
  auto writer_only = [&app](const Request& req) {
    try {
      require_version_header(req);
      require_xapi(app, req, true);
    } catch (HttpError& e) {
      e.headers.emplace_back("X-Experience-API-Version", xapi::kVersion);
      throw;
    }
  };
  router.add("PUT", "/xapi/statements", lrs([put_or_post](Request& req) { return put_or_post(req, true); }),
             {.body_limit = 4 << 20, .before_body = writer_only});
  router.add("POST", "/xapi/statements", lrs([put_or_post](Request& req) { return put_or_post(req, false); }),
             {.body_limit = 16 << 20, .before_body = writer_only});

  router.add("GET", "/xapi/statements", lrs([&app](Request& req) {
    require_version_header(req);
    Principal p = require_xapi(app, req, false);
    const bool learner = p.kind == Principal::Kind::device || (p.kind == Principal::Kind::session && p.role == "learner");
    // A manager reads their teams' statements and their own, nobody else's.
    const bool manager = p.kind == Principal::Kind::session && p.role == "manager";
    std::string format = req.query_param("format").value_or("exact");
    auto check_format = [&] {
      if (format != "exact" && format != "ids" && format != "canonical")
        throw HttpError{400, "invalid_parameter", "format must be exact, ids or canonical", "format", {}};
    };
    check_format();
    auto finish = [&](json s) {
      if (format == "ids") to_ids_format(s);
      return s;
    };
    const std::string consistent = format_timestamp(app.now_ms());

    // Single statement by id.
    for (const char* key : {"statementId", "voidedStatementId"}) {
      auto id = req.query_param(key);
      if (!id) continue;
      for (const char* other : {"agent", "verb", "activity", "registration", "since", "until", "limit", "ascending", "related_activities", "related_agents"})
        if (req.query_param(other)) throw HttpError{400, "invalid_parameter", std::string(other) + " cannot be combined with " + key, other, {}};
      if (!is_uuid(*id)) throw HttpError{400, "invalid_parameter", std::string(key) + " must be a UUID", key, {}};
      const bool voided_wanted = std::string(key) == "voidedStatementId";
      json found;
      app.db().read([&](db::Connection& c) {
        auto rows = c.query("SELECT body, stored_ms, voided, user_id FROM statements WHERE id = $1", {normalize_uuid(*id)});
        if (rows.empty() || (rows[0].i64(2) != 0) != voided_wanted) return;
        if (learner && rows[0].str(3) != p.user_id) return;
        if (manager && rows[0].str(3) != p.user_id &&
            c.query("SELECT 1 WHERE $1 IN " + managed_learners_sql("$2"), {rows[0].str(3), p.user_id}).empty())
          return;
        found = App::served_form(rows[0].str(0), rows[0].i64(1), nullptr);
      });
      if (found.is_null()) throw HttpError{404, "not_found", "no such statement", {}, {}};
      Response r = Response::json(200, finish(found));
      r.header("X-Experience-API-Consistent-Through", consistent);
      return with_version(r);
    }

    // Query. `more` carries the original filters (format included) plus the last seq
    // served. It comes back from the client, so it is checked like any other input.
    json q = json::object();
    std::int64_t after = 0;
    if (auto more = req.query_param("more")) {
      auto decoded = base64_decode(*more);
      auto parsed = decoded ? parse_json_text(*decoded) : Result<json>(make_error("invalid_json", "not base64"));
      json m = parsed ? std::move(parsed).value() : json();
      bool valid = m.is_object() && m.contains("q") && m["q"].is_object() && m.contains("after") &&
                   m["after"].is_number_integer() && m["after"].get<std::int64_t>() > 0;
      if (valid)
        for (const auto& [k, v] : m["q"].items()) valid = valid && v.is_string();
      if (!valid) throw HttpError{400, "invalid_parameter", "more is not a valid continuation", "more", {}};
      q = m["q"];
      after = m["after"].get<std::int64_t>();
      format = q.value("format", "exact");
      check_format();
    } else {
      for (const char* k : {"agent", "verb", "activity", "registration", "since", "until", "limit", "ascending", "related_activities", "related_agents", "format"})
        if (auto v = req.query_param(k)) q[k] = *v;
    }
    std::string where = "voided = 0";
    db::Params params;
    auto add = [&](const std::string& clause, db::Value v) {
      params.push_back(std::move(v));
      std::string c = clause;
      const std::string ph = "$" + std::to_string(params.size());
      c.replace(c.find('?'), 1, ph);
      where += " AND " + c;
    };
    if (q.contains("agent")) {
      auto parsed = parse_json_text(q["agent"].get<std::string>());
      json agent = parsed ? std::move(parsed).value() : json();
      if (!parsed || !xapi::validate_actor(agent, "agent"))
        throw HttpError{400, "invalid_parameter", "agent must be a JSON Agent or Group with one identifier", "agent", {}};
      add("actor_key = ?", xapi::actor_key(agent));
    }
    if (q.contains("verb")) add("verb = ?", q["verb"].get<std::string>());
    if (q.contains("activity")) {
      if (q.value("related_activities", "false") == "true") {
        const std::string iri = q["activity"].get<std::string>();
        params.push_back(iri);
        const std::string ph = "$" + std::to_string(params.size());
        // Anywhere else in the statement (context activities, a sub-statement): the IRI
        // as a whole JSON string, found as exact bytes. Not LIKE: it ignores case and
        // treats % and _ as wildcards, and an unquoted ".../a" also matched ".../ab".
        params.push_back(json(iri).dump());
        const std::string quoted = "$" + std::to_string(params.size());
        const std::string contains = app.db().dialect() == db::Dialect::sqlite ? "instr(body, " + quoted + ") > 0"
                                                                               : "strpos(body, " + quoted + ") > 0";
        where += " AND (object_id = " + ph + " OR parent_id = " + ph + " OR " + contains + ")";
      } else {
        add("object_id = ?", q["activity"].get<std::string>());
      }
    }
    if (q.contains("registration")) add("registration = ?", normalize_uuid(q["registration"].get<std::string>()));
    for (const char* k : {"since", "until"}) {
      if (!q.contains(k)) continue;
      auto t = parse_timestamp(q[k].get<std::string>());
      if (!t) throw HttpError{400, "invalid_parameter", std::string(k) + " must be an ISO 8601 timestamp", k, {}};
      add(std::string(k) == "since" ? "stored_ms > ?" : "stored_ms <= ?", *t);
    }
    if (learner) add("user_id = ?", p.user_id);
    if (manager) {
      params.push_back(p.user_id);
      const std::string ph = "$" + std::to_string(params.size());
      where += " AND (user_id = " + ph + " OR user_id IN " + managed_learners_sql(ph) + ")";
    }
    const bool ascending = q.value("ascending", "false") == "true";
    if (after) add(ascending ? "seq > ?" : "seq < ?", after);
    std::int64_t limit = 100;
    if (q.contains("limit")) {
      try {
        limit = std::stoll(q["limit"].get<std::string>());
      } catch (const std::exception&) {
        throw HttpError{400, "invalid_parameter", "limit must be a whole number", "limit", {}};
      }
      if (limit < 0) throw HttpError{400, "invalid_parameter", "limit must not be negative", "limit", {}};
      if (limit == 0 || limit > 500) limit = 500;
    }
    json statements = json::array();
    std::int64_t last = 0;
    bool more_rows = false;
    app.db().read([&](db::Connection& c) {
      params.push_back(limit + 1);
      auto rows = c.query("SELECT seq, body, stored_ms FROM statements WHERE " + where + " ORDER BY seq " +
                              (ascending ? "ASC" : "DESC") + " LIMIT $" + std::to_string(params.size()),
                          params);
      more_rows = static_cast<std::int64_t>(rows.size()) > limit;
      if (more_rows) rows.pop_back();
      for (const auto& r : rows) {
        statements.push_back(finish(App::served_form(r.str(1), r.i64(2), nullptr)));
        last = r.i64(0);
      }
    });
    json result = {{"statements", statements}, {"more", ""}};
    if (more_rows) {
      const json m = {{"q", q}, {"after", last}};
      result["more"] = "/xapi/statements?more=" + base64_encode(m.dump(), true);
    }
    Response r = Response::json(200, result);
    r.header("X-Experience-API-Consistent-Through", consistent);
    return with_version(r);
  }));
}

}  // namespace trailpack::server
