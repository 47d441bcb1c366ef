import "uplot/dist/uPlot.min.css";

import { useEffect, useRef } from "react";
import uPlot from "uplot";

import { type ChartSpec, chartData, deployMarks, type FunctionMetrics } from "../../lib/metrics";
import { cssColor, useTheme } from "../../lib/theme";

const HEIGHT = 160;

/** Vertical dashed lines at the deploys, labelled with their version. */
function deployPlugin(marks: { at: number; label: string }[], line: string, text: string): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const { ctx } = u;
        const { top, height } = u.bbox;
        ctx.save();
        ctx.strokeStyle = line;
        ctx.fillStyle = text;
        ctx.setLineDash([4, 4]);
        ctx.font = `${11 * uPlot.pxRatio}px sans-serif`;
        for (const mark of marks) {
          const x = Math.round(u.valToPos(mark.at, "x", true));
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          ctx.fillText(mark.label, x + 4, top + 12 * uPlot.pxRatio);
        }
        ctx.restore();
      },
    },
  };
}

/** One uPlot chart of a few series, resized with its container, in the colours of the theme in effect. */
export function Chart({ metrics, spec }: { metrics: FunctionMetrics; spec: ChartSpec }) {
  const holder = useRef<HTMLDivElement>(null);
  const theme = useTheme();

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const marks = deployMarks(metrics);
    const axis = { stroke: cssColor("--chart-axis"), grid: { stroke: cssColor("--chart-grid") }, ticks: { stroke: cssColor("--chart-grid") } };
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height: HEIGHT,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        // From 0; a percentage up to 100; a flat line of zeros still gets a readable scale.
        y: {
          range: (_u, min, max) =>
            spec.unit === "%" ? [0, 100] : [Math.min(0, min ?? 0), max !== null && max > 0 ? max * 1.1 : 1],
        },
      },
      axes: [axis, { ...axis, values: (_u, ticks) => ticks.map((t) => `${+t.toPrecision(3)}${spec.unit === "%" ? "%" : ""}`), size: 56 }],
      series: [
        {},
        // Points as well as lines: a bucket between two empty ones is a point of its own.
        ...spec.lines.map((line) => {
          const color = cssColor(line.color);
          return { label: line.label, stroke: color, width: 1.5, spanGaps: false, points: { show: true, size: 4, fill: color } };
        }),
      ],
      plugins: [deployPlugin(marks, cssColor("--chart-mark"), cssColor("--muted"))],
    };
    const plot = new uPlot(options, chartData(metrics, spec) as uPlot.AlignedData, element);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [metrics, spec, theme]);

  return <div ref={holder} className="chart-canvas" data-theme-drawn={theme} />;
}
