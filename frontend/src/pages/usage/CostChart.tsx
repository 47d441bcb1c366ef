import "uplot/dist/uPlot.min.css";

import { useEffect, useRef } from "react";
import uPlot from "uplot";

import { type CostSeries, money } from "../../lib/billing";
import { cssColor, useTheme } from "../../lib/theme";

const HEIGHT = 220;
const COLORS = ["--chart-1", "--chart-2", "--chart-3", "--chart-4", "--chart-axis", "--chart-mark", "--muted"];

/** The cost per period of each group, one line each, in the theme's colours; resized with its box. */
export function CostChart({ series, label }: { series: CostSeries; label: string }) {
  const holder = useRef<HTMLDivElement>(null);
  const theme = useTheme();

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const axis = {
      stroke: cssColor("--chart-axis"),
      grid: { stroke: cssColor("--chart-grid") },
      ticks: { stroke: cssColor("--chart-grid") },
    };
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height: HEIGHT,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max !== null && max > 0 ? max * 1.1 : 1] } },
      axes: [axis, { ...axis, values: (_u, ticks) => ticks.map((t) => money(t)), size: 72 }],
      series: [
        {},
        ...series.lines.map((line, i) => {
          const color = cssColor(COLORS[i % COLORS.length] ?? "--chart-1");
          return {
            label: line.label,
            stroke: color,
            width: 1.5,
            points: { show: true, size: 4, fill: color },
            value: (_u: uPlot, v: number | null) => (v === null ? "—" : money(v)),
          };
        }),
      ],
    };
    const data = [series.times, ...series.lines.map((line) => line.values)] as uPlot.AlignedData;
    const plot = new uPlot(options, data, element);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [series, theme]);

  return <div ref={holder} className="chart-canvas" role="img" aria-label={label} data-theme-drawn={theme} />;
}
