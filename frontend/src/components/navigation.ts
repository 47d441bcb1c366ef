/** The dashboard's pages, grouped as the side navigation shows them. */
export interface NavSection {
  title: string;
  links: { to: string; label: string }[];
}

export const NAV_SECTIONS: readonly NavSection[] = [
  { title: "Apps", links: [{ to: "/", label: "Apps" }] },
  {
    title: "Observe",
    links: [
      { to: "/logs", label: "Logs" },
      { to: "/containers", label: "Containers" },
      { to: "/sandboxes", label: "Sandboxes" },
      { to: "/builds", label: "Builds" },
    ],
  },
  {
    title: "Storage",
    links: [
      { to: "/volumes", label: "Volumes" },
      { to: "/dicts", label: "Dicts" },
      { to: "/queues", label: "Queues" },
      { to: "/secrets", label: "Secrets" },
    ],
  },
  {
    title: "Workspace",
    links: [
      { to: "/members", label: "Members" },
      { to: "/tokens", label: "API tokens" },
      { to: "/proxy-tokens", label: "Proxy tokens" },
      { to: "/usage", label: "Usage" },
      { to: "/budgets", label: "Budgets" },
      { to: "/audit", label: "Audit log" },
      { to: "/settings", label: "Settings" },
    ],
  },
];
