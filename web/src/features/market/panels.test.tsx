import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { EventLog } from "./EventLog";
import { OrderBook } from "./OrderBook";
import { Trades } from "./Trades";

describe("OrderBook", () => {
  it("lists asks from the highest down to the best ask, then bids from the best bid", () => {
    render(
      <OrderBook
        bids={[{ price: 99.99, qty: 30 }, { price: 99.98, qty: 10 }]}
        asks={[{ price: 100.01, qty: 5 }, { price: 100.02, qty: 60 }]}
      />,
    );
    const prices = within(screen.getByTestId("order-book"))
      .getAllByRole("row")
      .map((r) => r.querySelector("td")?.textContent)
      .filter((t): t is string => Boolean(t));
    expect(prices).toEqual(["100.02", "100.01", "99.99", "99.98"]);
  });

  it("says when the book is empty", () => {
    render(<OrderBook bids={[]} asks={[]} />);
    expect(screen.getByTestId("order-book").textContent).toContain("empty book");
  });
});

describe("Trades", () => {
  it("shows the newest trade first", () => {
    render(<Trades trades={[{ price: 100, qty: 1, step: 4, side: "buy" }, { price: 101, qty: 2, step: 4, side: "sell" }]} />);
    const rows = within(screen.getByTestId("trades")).getAllByRole("row").slice(1);
    expect(rows[0].textContent).toContain("101.00");
    expect(rows[1].textContent).toContain("100.00");
  });
});

describe("EventLog", () => {
  it("shows each event's window, status and params", () => {
    render(
      <EventLog
        events={[{ type: "flash_crash", start_step: 10, end_step: 15, status: "active", params: { qty_per_step: 300 } }]}
      />,
    );
    const log = screen.getByTestId("event-log");
    expect(log.textContent).toContain("flash_crash");
    expect(log.textContent).toContain("10–15");
    expect(log.textContent).toContain("active");
    expect(log.textContent).toContain("qty_per_step=300");
  });
});
