import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { decision, HypothesisTable } from "./HypothesisTable";
import type { Hypothesis } from "../../api/types";

const h1: Hypothesis = {
  name: "volatility_amplification", effect: 0.12, ci_low: 0.05, ci_high: 0.2, p_value: 0.004,
  p_adjusted: 0.012, reject: true, reject_adjusted: true, method: "wilcoxon signed-rank", n: 8,
  extra: { mde: 0.031, family: "primary" },
};
const h3: Hypothesis = {
  name: "herding", effect: 0.02, ci_low: -0.01, ci_high: 0.05, p_value: null, p_adjusted: 0.6,
  reject: false, reject_adjusted: false, method: "permutation test of LSV", n: 8, extra: {},
};

describe("HypothesisTable", () => {
  it("shows effect, CI, p, adjusted p, decision, method and MDE per hypothesis", () => {
    render(<HypothesisTable hypotheses={[h1, h3]} />);
    const table = screen.getByTestId("hypothesis-table");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(2);
    const cells = within(rows[0]).getAllByRole("cell").map((c) => c.textContent);
    expect(cells).toEqual([
      "volatility_amplification", "primary", "0.1200", "[0.0500, 0.2000]", "0.0040", "0.0120",
      "reject H0", "wilcoxon signed-rank", "8", "0.0310",
    ]);
    const missing = within(rows[1]).getAllByRole("cell").map((c) => c.textContent);
    expect(missing[4]).toBe("–"); // a NaN p (null in JSON) is shown as missing, not as 0
    expect(missing[6]).toBe("not rejected");
  });

  it("says so when a run stored no results", () => {
    render(<HypothesisTable hypotheses={[]} />);
    expect(screen.getByTestId("hypothesis-table").textContent).toContain("no hypothesis results");
  });
});

describe("decision", () => {
  it("uses the BH-adjusted decision when there is one", () => {
    expect(decision({ ...h1, reject: true, reject_adjusted: false }).text).toBe("not rejected");
    expect(decision({ ...h1, reject: true, reject_adjusted: null }).text).toBe("reject H0");
    expect(decision({ ...h1, reject: null, reject_adjusted: null }).reject).toBeNull();
  });
});
