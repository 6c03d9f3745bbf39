import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { eventBody, InjectEventForm } from "./InjectEventForm";

afterEach(() => vi.unstubAllGlobals());

describe("InjectEventForm", () => {
  it("posts the chosen event now, with its params", async () => {
    const fetch = vi.fn(async () => new Response("{}", { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    render(<InjectEventForm onError={() => {}} />);
    fireEvent.click(screen.getByTestId("inject-event-button"));
    await waitFor(() => expect(fetch).toHaveBeenCalled());
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/inject_event");
    expect(JSON.parse(String(init.body))).toEqual({ type: "flash_crash", params: { qty_per_step: 300, duration: 5 } });
  });

  it("shows the default params of the chosen type", () => {
    render(<InjectEventForm onError={() => {}} />);
    fireEvent.change(screen.getByLabelText("event type"), { target: { value: "news_shock" } });
    expect((screen.getByLabelText("event params") as HTMLInputElement).value).toContain("jump");
  });
});

describe("eventBody", () => {
  it("schedules at a step when asked", () => {
    expect(eventBody("liquidity_shock", '{"duration": 3}', "at", "120")).toEqual({
      type: "liquidity_shock", params: { duration: 3 }, at_step: 120,
    });
  });
  it("refuses params that are not an object", () => {
    expect(() => eventBody("flash_crash", "3", "now", "")).toThrow(/JSON object/);
  });
});
