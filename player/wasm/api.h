/* The wasm API of the Trailpack player engine: the only functions JavaScript calls.
 *
 * Every function takes and returns UTF-8 JSON text. Returned strings are owned by the
 * module until JavaScript passes them to tp_free(). No exception ever crosses into
 * JavaScript: every entry point catches everything and answers with an error value.
 *
 * Reply shape (every call):
 *   {"ok": true,  "result": <value>, "wrote": <bool>}
 *   {"ok": false, "error": {"code": "...", "message": "...", "where": "..."}}
 * "wrote" says whether the call committed to the local database, so the Worker knows
 * when a fallback store (IDBFS) must be flushed before it confirms "saved".
 *
 * tp_open(config)        opens (or creates) the learner's store and the engine.
 *                        config: {"path": "/trailpack/alice.db", "vfs": "opfs" | "",
 *                                 "journal_mode": "WAL", "synchronous": "FULL",
 *                                 "exclusive": true,
 *                                 "deterministic": {"start_ms": N, "seed": N}}   (tests only:
 *                                 a reproducible clock and randomness)
 * tp_call(method, args)  one engine method (docs/player-api.md lists them).
 * tp_close()             closes the store (checkpoints the WAL).
 * tp_version()           {"engine": "0.1.0", "sqlite": "3.50.4", "methods": [...],
 *                         "format": 1, "protocol": 1}
 * tp_bundle_open(p, n)   opens a bundle archive held in wasm memory (n bytes at p): reads
 *                        the tar under the limits, checks every file's size and SHA-256
 *                        against the manifest and validates course.json, in C++. The
 *                        signature is NOT checked here (WebCrypto does it in the Worker
 *                        before anything is installed). Result: {"manifest_text",
 *                        "signature": {"alg","key_id","signature"}, "manifest", "course",
 *                        "files": [{"path","sha256","size","offset"}]}; offsets are into
 *                        the caller's buffer. Needs no open store.
 * tp_free(p)             releases a string returned by any of the above.
 */
#ifndef TRAILPACK_PLAYER_WASM_API_H
#define TRAILPACK_PLAYER_WASM_API_H

#ifdef __cplusplus
extern "C" {
#endif

const char* tp_open(const char* config_json);
const char* tp_call(const char* method, const char* args_json);
const char* tp_close(void);
const char* tp_version(void);
const char* tp_bundle_open(const unsigned char* bytes, int size);
void tp_free(const char* p);

/* Registers the OPFS VFS under the name "opfs" (player/wasm/opfs_vfs.cpp). */
int tp_register_opfs_vfs(void);

#ifdef __cplusplus
}
#endif

#endif
