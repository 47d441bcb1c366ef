import { describe, expect, it } from "vitest";

import { ApiError } from "../api/client";
import { canChange, canManage, describeAction, fieldError, formError, grantableRoles, inviteToken, parseLimit } from "./team";

describe("roles", () => {
  it("lets owners and admins manage", () => {
    expect([canManage("owner"), canManage("admin"), canManage("member"), canManage(undefined)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
  it("gives the owner role only to an owner", () => {
    expect(grantableRoles("owner")).toEqual(["owner", "admin", "member"]);
    expect(grantableRoles("admin")).toEqual(["admin", "member"]);
    expect(grantableRoles("member")).toEqual([]);
    expect(canChange("admin", "owner")).toBe(false);
    expect(canChange("admin", "member")).toBe(true);
    expect(canChange("owner", "owner")).toBe(true);
  });
});

describe("forms", () => {
  const error = new ApiError(400, { code: "invalid", message: "name: taken", field: "name" });
  it("puts a field's error beside it, and others above the form", () => {
    expect(fieldError(error, "name")).toBe("name: taken");
    expect(fieldError(error, "gpu_limit")).toBeUndefined();
    expect(formError(error, ["name"])).toBeNull();
    expect(formError(error, ["gpu_limit"])).toBe(error);
  });
  it("reads limits: empty is the default, digits a number, the rest left for the server", () => {
    expect(parseLimit(" ")).toBeNull();
    expect(parseLimit("12")).toBe(12);
    expect(parseLimit("-3")).toBe("-3");
  });
  it("reads the invite's secret from the link's fragment", () => {
    expect(inviteToken("#iv-abc.it-x_y")).toBe("iv-abc.it-x_y");
    expect(describeAction("app.deploy")).toBe("deployed");
    expect(describeAction("new.thing")).toBe("new.thing");
  });
});
