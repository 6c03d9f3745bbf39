import type { Hypothesis } from "../../api/types";

const num = (x: number | null | undefined, digits = 4) =>
  x === null || x === undefined ? "–" : Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toFixed(digits);

/** Decision on the BH-adjusted p where the run stored one, else on the raw p. */
export function decision(h: Hypothesis): { text: string; reject: boolean | null } {
  const reject = h.reject_adjusted ?? h.reject ?? null;
  if (reject === null) return { text: "–", reject: null };
  return { text: reject ? "reject H0" : "not rejected", reject };
}

/** Effect, CI, p, adjusted p, decision and method of each hypothesis of a run. */
export function HypothesisTable({ hypotheses }: { hypotheses: Hypothesis[] }) {
  return (
    <table data-testid="hypothesis-table" className="compact results">
      <thead>
        <tr>
          <th>hypothesis</th><th>family</th><th>effect</th><th>CI</th><th>p</th><th>adjusted p</th>
          <th>decision</th><th>method</th><th>n</th><th>MDE</th>
        </tr>
      </thead>
      <tbody>
        {hypotheses.map((h, i) => {
          const d = decision(h);
          const extra = (h.extra ?? {}) as Record<string, unknown>;
          const family = (extra.family as string | undefined) ?? h.condition ?? "";
          const mde = typeof extra.mde === "number" ? num(extra.mde) : "–";
          return (
            <tr key={`${h.name}-${i}`} data-hypothesis={h.name}>
              <td>{h.name}</td>
              <td>{family}</td>
              <td className="num">{num(h.effect)}</td>
              <td className="num">[{num(h.ci_low)}, {num(h.ci_high)}]</td>
              <td className="num">{num(h.p_value)}</td>
              <td className="num">{num(h.p_adjusted)}</td>
              <td><span className={`badge ${d.reject ? "reject" : ""}`}>{d.text}</span></td>
              <td className="method">{h.method ?? "–"}</td>
              <td className="num">{h.n ?? "–"}</td>
              <td className="num">{mde}</td>
            </tr>
          );
        })}
        {hypotheses.length === 0 && <tr><td colSpan={10} className="muted">no hypothesis results stored</td></tr>}
      </tbody>
    </table>
  );
}
