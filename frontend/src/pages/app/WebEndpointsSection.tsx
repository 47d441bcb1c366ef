import { useState } from "react";
import { Link } from "react-router";

import type { Func } from "../../api/client";
import { isHttpUrl, kindLabel, type WebEndpoint, webEndpoints } from "../../lib/webEndpoints";

/** A URL as a link that opens in a new tab, with a button that copies it. */
function EndpointUrl({ endpoint }: { endpoint: WebEndpoint }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = () => {
    navigator.clipboard.writeText(endpoint.url).then(
      () => setCopied("Copied."),
      () => setCopied("Could not copy: select the URL and copy it by hand."),
    );
  };
  return (
    <div className="web-url">
      {isHttpUrl(endpoint.url) ? (
        <a href={endpoint.url} target="_blank" rel="noopener noreferrer" data-testid="web-url">
          <code>{endpoint.url}</code>
        </a>
      ) : (
        <code data-testid="web-url">{endpoint.url}</code>
      )}{" "}
      <button type="button" className="copy" onClick={copy} aria-label={`Copy the URL of ${endpoint.name}`}>
        Copy
      </button>
      {copied && (
        <span role="status" className="muted small">
          {" "}
          {copied}
        </span>
      )}
    </div>
  );
}

/** The URLs the app's functions (and its classes' methods) serve over HTTP; nothing when none does. */
export function WebEndpointsSection({ functions }: { functions: Func[] }) {
  const endpoints = functions.flatMap(webEndpoints);
  if (endpoints.length === 0) return null;
  return (
    <section>
      <h2>Web endpoints</h2>
      <table className="table web-endpoints" aria-label="Web endpoints">
        <thead>
          <tr>
            <th>Function</th>
            <th>URL</th>
            <th>Kind</th>
          </tr>
        </thead>
        <tbody>
          {endpoints.map((endpoint) => (
            <tr key={endpoint.name} data-testid="web-endpoint" data-name={endpoint.name}>
              <td className="strong">{endpoint.name}</td>
              <td>
                <EndpointUrl endpoint={endpoint} />
              </td>
              <td>
                <div className="web-badges">
                  <span className={`badge badge-web-${endpoint.kind || "other"}`} data-testid="web-kind">
                    {kindLabel(endpoint.kind)}
                  </span>
                  {endpoint.httpMethod && (
                    <span className="muted small" data-testid="web-method">
                      {endpoint.httpMethod}
                    </span>
                  )}
                  {endpoint.requiresProxyAuth && (
                    <Link
                      to="/proxy-tokens"
                      className="badge badge-proxy-auth"
                      data-testid="proxy-auth"
                      title="Requests need a proxy auth token of this workspace: manage them on the Proxy tokens page"
                    >
                      proxy auth
                    </Link>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
