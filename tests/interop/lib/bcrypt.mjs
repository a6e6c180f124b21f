// bcrypt hashes for the admin UI's tests, made by python3's crypt (libxcrypt), never by the
// code under test.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

/** A $2b$ bcrypt hash of `password` (cost 4: the tests check many logins). */
export function bcryptHash(password) {
  const hash = execFileSync("python3", ["-W", "ignore", "-c",
    "import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))",
    password], { encoding: "utf8" }).trim();
  assert.match(hash, /^\$2b\$04\$.{53}$/, "python3's crypt must make $2b$ hashes here");
  return hash;
}
