#pragma once

// The atrium binary's config file (--config FILE, TOML) and its writer (--print-config). Both
// know the options only through their table, so an option added to it is a key of the file the
// day it is added.
//
// The key of an option is its name without "--": `port = 3000`, `disconnect-flooders = true`.
// Tables group a prefix: a value's key path, its parts joined with "-", must be an option's
// name, so `[api] port = 8080`, `api.port = 8080` and `api-port = 8080` are all --api-port, and
// `[cluster.tls] cert = "c.pem"` is --cluster-tls-cert. Any split of the name at a "-" is
// accepted; one option written twice (`api-port` and `[api] port`) is an error.
//
// Values: a boolean for a flag (false: as if not given), an integer for a whole number, an
// integer or a float for a fractional one, a string for text and for a choice, an array of
// strings (or one string) for a repeatable option; an empty array is as if not given. Each
// value is then judged by the same code as on the command line (bounds, words, admit).
//
// The file is applied top to bottom, like a command line read left to right: where two options
// set the same thing (--trusted-clients and --allow-emit), the later one wins.

#include <optional>
#include <string>
#include <vector>

#include "tools/atrium/options.hpp"

namespace atrium::cli {

/// What --print-config writes for a secret, and what the file may therefore not hold in its
/// place: a file that still has it is refused, not run with "<elided>" as the secret.
inline constexpr std::string_view elided = "<elided>";

/// The settings of the TOML file at `path`, by the options of `table`, in the order of their
/// lines; their values are as the command line would give them, not yet judged. On an error
/// (a file that cannot be read, invalid TOML, an unknown key, a value of the wrong type) returns
/// nullopt and sets `problem` to one line: "FILE:LINE: ..." when it is in the file.
std::optional<std::vector<setting>> read_config_file(const std::string& path,
                                                     const std::vector<option_spec>& table,
                                                     std::string& problem);

/// `settings` (options::settings) as a file read_config_file takes back and that means the
/// same: what was set, in the order it applied, then every other option of `table` commented
/// out with its default. Secrets are written as `elided`.
std::string config_text(const std::vector<setting>& settings,
                        const std::vector<option_spec>& table = option_table());

} // namespace atrium::cli
