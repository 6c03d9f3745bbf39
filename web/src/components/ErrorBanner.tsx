import { Component, type ReactNode } from "react";

/** The last error the API (or the page) reported, with the server's `detail`; dismissable. */
export function ErrorBanner({ message, onClose }: { message: string | null; onClose: () => void }) {
  if (!message) return null;
  return (
    <div className="error" role="alert" data-testid="error">
      <span>{message}</span>
      <button className="small" aria-label="dismiss" onClick={onClose}>×</button>
    </div>
  );
}

/** Keeps one broken panel from blanking the page: it shows the error in place instead. */
export class ErrorBoundary extends Component<{ children: ReactNode; name: string }, { error: Error | null }> {
  state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  render() {
    if (this.state.error) {
      return (
        <section className="card error-card" role="alert">
          <h2>{this.props.name}</h2>
          <p>This panel failed: {this.state.error.message}</p>
          <button onClick={() => this.setState({ error: null })}>retry</button>
        </section>
      );
    }
    return this.props.children;
  }
}
