// What the xAPI resources share (xapi_routes.cpp, xapi_documents.cpp,
// xapi_activities_agents.cpp): limits, the caller and its permissions, the request
// parameters every resource reads, and how a resource is registered so that every
// answer follows part three of xAPI 1.0.3 (version header, CORS, the alternate request
// syntax, unknown parameters refused).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>

#include "app/app.hpp"
#include "trailpack/time.hpp"

namespace trailpack::server::lrs {

// ---------------------------------------------------------------- limits

inline constexpr std::size_t kStatementsBodyLimit = 32u << 20;  ///< PUT/POST /xapi/statements, JSON or multipart
inline constexpr std::size_t kStatementsJsonLimit = 16u << 20;  ///< the statements themselves
inline constexpr std::size_t kAttachmentLimit = 16u << 20;      ///< the raw data of one attachment
inline constexpr std::size_t kMaxParts = 101;                   ///< statements part + 100 attachments
inline constexpr std::size_t kMaxBatch = 1000;                  ///< statements per POST
inline constexpr std::size_t kResponseAttachmentBytes = 32u << 20;  ///< attachment data per GET page
inline constexpr std::size_t kDocumentLimit = 1u << 20;             ///< one State or profile document
inline constexpr std::size_t kDocumentIdLimit = 1024;               ///< stateId, profileId (bytes)
inline constexpr std::size_t kAgentParamLimit = 8192;               ///< the agent parameter's JSON (bytes)
inline constexpr std::size_t kFormBodyLimit = 4u << 20;             ///< alternate syntax form bodies (URL-encoded)

// ---------------------------------------------------------------- callers

/// What a request needs.
enum class Need {
  statements_write,
  statements_read,
  state_read,
  state_write,
  profile_read,
  profile_write,
  any,  ///< Activities and Agents resources: any credentials
};

/// The authenticated caller, as the LRS sees it.
struct Caller {
  Principal p;
  std::string own_account_key;  ///< users: actor_key of their account Agent
  std::string own_mbox_key;     ///< users: "mbox:mailto:<email>"

  bool client() const { return p.kind == Principal::Kind::xapi_client; }
  bool user() const { return !client(); }
  /// True when `agent_key` identifies the signed-in user (their account or email).
  bool is_self(const std::string& agent_key) const {
    return user() && !agent_key.empty() && (agent_key == own_account_key || agent_key == own_mbox_key);
  }
};

/// Authenticates the request (401 with a Basic challenge without valid credentials) and
/// checks that the credentials allow `need` (403 naming the scope otherwise). Users
/// (devices, console sessions) pass here; their finer limits (own data only) are
/// applied by each resource.
Caller authorize(App& app, const Request& req, Need need);

/// The scopes an xAPI client may hold (xAPI 1.0.3 part three, 4.2).
const std::initializer_list<const char*>& known_scopes();

// ---------------------------------------------------------------- parameters

/// 400 for any query parameter not in `allowed` (part three 3.2: unknown parameters, and
/// parameters that differ only in case, are refused).
void only_params(const Request& req, std::initializer_list<const char*> allowed);
/// The parameter, or 400 `<name> is required`.
std::string required_param(const Request& req, const char* name);
/// An IRI parameter (400 otherwise).
std::string iri_param(const Request& req, const char* name);
/// A UUID parameter, normalised (400 otherwise); nothing when absent.
std::optional<std::string> uuid_param(const Request& req, const char* name);
/// A timestamp parameter (400 otherwise); nothing when absent.
std::optional<TimeMs> time_param(const Request& req, const char* name);
/// "true" or "false" (400 otherwise); `fallback` when absent.
bool bool_param(const Request& req, const char* name, bool fallback);
/// A JSON Agent (or, with `allow_group`, an identified Group): 400 when it does not
/// parse, is not one, or is over kAgentParamLimit.
nlohmann::json agent_param(const Request& req, const char* name, bool allow_group);
/// Parses an agent given as JSON text (the same checks as agent_param).
nlohmann::json parse_agent(const std::string& text, const char* name, bool allow_group);
/// A Content-Type to store (a document's, an attachment part's): at most 255 bytes of
/// UTF-8 without NUL, else 400 `code` naming `where`.
std::string storable_content_type(const std::string& value, const std::string& code, const std::string& where);

// ---------------------------------------------------------------- registration

struct MethodSpec {
  Handler handler;
  std::size_t body_limit = 1u << 20;
  /// When set, the version header and these credentials are checked as soon as the
  /// headers are in, before any of the body is read (not for the alternate request
  /// syntax, whose credentials travel in the body); the handler checks them again.
  std::optional<Need> before_body = std::nullopt;
};

struct ResourceOptions {
  bool version_required = true;  ///< every resource but About
  bool statements = false;       ///< add X-Experience-API-Consistent-Through to every answer
};

/// Registers a resource: its methods (GET also answers HEAD), OPTIONS (CORS preflight)
/// and, when the resource has no POST of its own, POST for the alternate request syntax.
/// Every answer, errors included, carries X-Experience-API-Version and, for an allowed
/// Origin, the CORS headers.
void add_resource(Router& router, App& app, const std::string& path, std::map<std::string, MethodSpec> methods,
                  ResourceOptions options = {});

/// Registers the answer for any other path under /xapi/: 404 with the xAPI headers.
/// Register it after every resource (routes match in registration order).
void add_not_found(Router& router, App& app);

// ---------------------------------------------------------------- attachments

/// A PUT/POST statements body: the statements JSON and, from a multipart/mixed body, the
/// raw attachment data by lower-case SHA-2.
struct StatementsBody {
  std::string json_text;
  std::map<std::string, AttachmentData> attachments;
  bool multipart = false;
};

/// Reads an application/json or multipart/mixed statements body (part three 1.5): 400
/// for a malformed body, a part without a valid X-Experience-API-Hash or whose data does
/// not hash to it; 413 beyond the limits.
StatementsBody read_statements_body(const Request& req);

/// Checks the attachments of statements about to be stored: each one without a fileUrl
/// has its data in the request, lengths match, every part belongs to an attachment, and
/// signatures (part two 2.6) are well formed JWS whose payload is the statement and,
/// with an X.509 certificate, verify. `batch` names statements by their index in
/// messages. Throws 400.
void check_attachments(const std::vector<nlohmann::json>& statements, bool batch, const StatementsBody& body);

/// A multipart/mixed answer: `first` as the application/json part, then each
/// attachment's data with its X-Experience-API-Hash.
Response multipart_response(int status, const nlohmann::json& first,
                            const std::vector<std::pair<std::string, AttachmentData>>& attachments);

// ---------------------------------------------------------------- resources

void register_statement_routes(Router& router, App& app);
void register_document_routes(Router& router, App& app);
void register_activity_agent_routes(Router& router, App& app);

/// The Agent that `authority` stands for when a statement was stored: the client's
/// account, or the user's account.
nlohmann::json authority_of(const Principal& p, const std::string& home_page);

}  // namespace trailpack::server::lrs
