import { describe, expect, it } from "vitest";

import { describeEdit, rowsForTemplate, SECRET_TEMPLATES, usageSnippet, valuesFromRows } from "./secrets";

function template(id: string) {
  const found = SECRET_TEMPLATES.find((t) => t.id === id);
  if (!found) throw new Error(`no template ${id}`);
  return found;
}

describe("SECRET_TEMPLATES", () => {
  it.each([
    ["postgres", ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"]],
    ["mongodb", ["MONGO_URI"]],
    ["huggingface", ["HF_TOKEN"]],
    ["openai", ["OPENAI_API_KEY"]],
    ["aws", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]],
    ["wandb", ["WANDB_API_KEY"]],
  ])("prefills the %s variables", (id, keys) => {
    expect(rowsForTemplate(template(id)).map((row) => row.key)).toEqual(keys);
  });

  it("starts a custom secret with one empty row", () => {
    expect(rowsForTemplate(template("custom"))).toEqual([{ key: "", value: "", example: undefined }]);
  });
});

describe("rowsForTemplate", () => {
  it("keeps a value typed for a variable the new template also has", () => {
    const typed = [
      { key: "PGPASSWORD", value: "typed" },
      { key: "OTHER", value: "dropped" },
    ];
    const rows = rowsForTemplate(template("postgres"), typed);
    expect(rows.find((row) => row.key === "PGPASSWORD")?.value).toBe("typed");
    expect(rows.map((row) => row.value).filter(Boolean)).toEqual(["typed"]);
  });
});

describe("valuesFromRows", () => {
  it("trims names, keeps values as typed and skips empty rows", () => {
    const rows = [
      { key: " PGHOST ", value: " db " },
      { key: "", value: "" },
      { key: "EMPTY", value: "" },
    ];
    expect(valuesFromRows(rows)).toEqual({ values: { PGHOST: " db ", EMPTY: "" } });
  });

  it("refuses a value without a name", () => {
    expect(valuesFromRows([{ key: " ", value: "x" }])).toEqual({
      problem: "A value has no variable name: name it, or remove its row.",
    });
  });

  it("refuses a name listed twice", () => {
    expect(valuesFromRows([
      { key: "A", value: "1" },
      { key: "A ", value: "2" },
    ])).toEqual({ problem: "The variable A is listed twice." });
  });

  it("leaves bad names to the API", () => {
    expect(valuesFromRows([{ key: "1-BAD", value: "x" }])).toEqual({ values: { "1-BAD": "x" } });
  });
});

describe("usageSnippet", () => {
  it("names the secret, and its environment when not main", () => {
    expect(usageSnippet("db", "main")).toBe('@app.function(secrets=[skylift.Secret.from_name("db")])');
    expect(usageSnippet("db", "dev")).toBe(
      '@app.function(secrets=[skylift.Secret.from_name("db", environment_name="dev")])',
    );
  });
});

describe("describeEdit", () => {
  it.each([
    [["A", "B"], [], "set A, B"],
    [[], ["C"], "removed C"],
    [["A"], ["C"], "set A; removed C"],
  ])("describes set %j and remove %j", (set, remove, text) => {
    expect(describeEdit(set, remove)).toBe(text);
  });
});
