import type { Trade } from "../../api/types";

/** The trades of the last step, newest first (the aggressor's side colours the row). */
export function Trades({ trades }: { trades: Trade[] }) {
  const newest = [...trades].reverse();
  return (
    <section className="card scroll">
      <h2>Last trades</h2>
      <table data-testid="trades" className="compact">
        <thead><tr><th>step</th><th>price</th><th>qty</th><th>taker</th></tr></thead>
        <tbody>
          {newest.map((t, i) => (
            <tr key={i} className={t.side === "buy" ? "bid" : "ask"}>
              <td className="num">{t.step ?? ""}</td>
              <td className="num">{t.price.toFixed(2)}</td>
              <td className="num">{t.qty}</td>
              <td>{t.side ?? ""}</td>
            </tr>
          ))}
          {newest.length === 0 && <tr><td colSpan={4} className="muted">no trade in the last step</td></tr>}
        </tbody>
      </table>
    </section>
  );
}
