// A Node program using @skylift/client as a user would (installed from its packed tarball):
// list the apps, make a Dict, write and read an entry, meet a 404 and a 401. Prints one JSON line.
import { ApiError, clientFromEnv, createClient } from "@skylift/client";

const skylift = clientFromEnv(process.env);
const name = process.argv[2];
const b64 = (text) => Buffer.from(text).toString("base64");

const apps = await skylift.get("/api/v1/apps/", { query: { limit: 100 } });
const dict = await skylift.post("/api/v1/dicts/", { body: { name } });
const written = await skylift.post("/api/v1/dicts/{id}/put/", {
  path: { id: dict.id },
  body: { entries: [{ key: b64("greeting"), value: b64("hello from node"), key_preview: "greeting" }] },
});
const found = await skylift.post("/api/v1/dicts/{id}/get/", { path: { id: dict.id }, body: { key: b64("greeting") } });
const listed = await skylift.get("/api/v1/dicts/", { query: { name } });

let missing = null;
try {
  await skylift.get("/api/v1/dicts/{id}/", { path: { id: `${dict.id}-gone` } });
} catch (error) {
  if (!(error instanceof ApiError)) throw error;
  missing = { status: error.status, code: error.detail.code, message: error.message };
}

let stranger = null;
try {
  await createClient({ baseUrl: process.env.SKYLIFT_SERVER_URL, tokenId: "tk-nobody", tokenSecret: "nothing" }).get(
    "/api/v1/apps/",
  );
} catch (error) {
  if (!(error instanceof ApiError)) throw error;
  stranger = { status: error.status, code: error.detail.code };
}

console.log(
  JSON.stringify({
    apps: apps.results.map((app) => app.name),
    dict: { id: dict.id, name: dict.name },
    written,
    found: { found: found.found, value: found.value === null ? null : Buffer.from(found.value, "base64").toString() },
    listed: listed.results.map((d) => d.id),
    missing,
    stranger,
  }),
);
