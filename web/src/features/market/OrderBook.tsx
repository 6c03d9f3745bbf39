import type { Level } from "../../api/types";

const fmt = (x: number) => x.toFixed(2);

/** Depth ladder: asks above (best ask lowest), bids below, bars scaled to the largest level. */
export function OrderBook({ bids, asks }: { bids: Level[]; asks: Level[] }) {
  const largest = Math.max(1, ...bids.map((l) => l.qty), ...asks.map((l) => l.qty));
  const row = (level: Level, side: "bid" | "ask") => (
    <tr key={`${side}-${level.price}`} className={side}>
      <td className="num">{fmt(level.price)}</td>
      <td className="num">{level.qty}</td>
      <td className="bar-cell">
        <span className={`bar ${side}`} style={{ width: `${(100 * level.qty) / largest}%` }} />
      </td>
    </tr>
  );
  return (
    <section className="card">
      <h2>Order book</h2>
      <table data-testid="order-book" className="ladder">
        <thead><tr><th>price</th><th>qty</th><th /></tr></thead>
        <tbody>
          {[...asks].reverse().map((l) => row(l, "ask"))}
          <tr className="gap"><td colSpan={3} /></tr>
          {bids.map((l) => row(l, "bid"))}
          {bids.length === 0 && asks.length === 0 && (
            <tr><td colSpan={3} className="muted">empty book</td></tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
