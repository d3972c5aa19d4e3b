import { Group } from "@visx/group";
import { scaleBand, scaleLinear } from "@visx/scale";
import { BarStack, LinePath } from "@visx/shape";
import type { Summary } from "@/lib/feedback/schemas";
import { CLASSIC_LABEL, KINDS, type Kind } from "@/lib/tapbacks/kinds";

/**
 * Human reactions per day by kind (stacked bars) with the negative and confused rates (lines),
 * drawn on the server with visx as plain SVG: no script runs in the browser, so the nonce CSP
 * has nothing to allow, and dark mode is Tailwind's classes on the shapes (docs/decisions.md,
 * "Charts"). The SVG is decoration for screen readers: the same numbers are the table after it.
 */

const NAME: Record<Kind, string> = { ...CLASSIC_LABEL, custom: "Custom emoji", sticker: "Sticker" };

const FILL: Record<Kind, string> = {
  love: "fill-pink-500 dark:fill-pink-400",
  like: "fill-blue-600 dark:fill-blue-400",
  dislike: "fill-red-700 dark:fill-red-400",
  laugh: "fill-amber-500 dark:fill-amber-300",
  emphasize: "fill-violet-600 dark:fill-violet-400",
  question: "fill-orange-600 dark:fill-orange-400",
  custom: "fill-emerald-600 dark:fill-emerald-400",
  sticker: "fill-slate-500 dark:fill-slate-400",
};
const SWATCH: Record<Kind, string> = {
  love: "bg-pink-500 dark:bg-pink-400",
  like: "bg-blue-600 dark:bg-blue-400",
  dislike: "bg-red-700 dark:bg-red-400",
  laugh: "bg-amber-500 dark:bg-amber-300",
  emphasize: "bg-violet-600 dark:bg-violet-400",
  question: "bg-orange-600 dark:bg-orange-400",
  custom: "bg-emerald-600 dark:bg-emerald-400",
  sticker: "bg-slate-500 dark:bg-slate-400",
};

const WIDTH = 720;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 40, bottom: 28, left: 32 };

type Bucket = Summary["buckets"][number];
type Row = { start: string } & Record<Kind, number>;

const dayLabel = (iso: string) =>
  new Date(iso).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const percent = (n: number) => `${(n * 100).toFixed(1)}%`;

export function ReactionsChart({ buckets }: { buckets: Bucket[] }) {
  const rows: Row[] = buckets.map((b) => ({ start: b.start, ...b.kinds }));
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = scaleBand<string>({ domain: rows.map((r) => r.start), range: [0, innerWidth], padding: 0.2 });
  const most = Math.max(1, ...buckets.map((b) => b.reacted));
  const y = scaleLinear<number>({ domain: [0, most], range: [innerHeight, 0], nice: true });
  const rateScale = scaleLinear<number>({
    domain: [0, Math.max(0.05, ...buckets.flatMap((b) => [b.negative_rate, b.confused_rate]))],
    range: [innerHeight, 0],
    nice: true,
  });
  const center = (start: string) => (x(start) ?? 0) + x.bandwidth() / 2;
  const every = Math.max(1, Math.ceil(rows.length / 8));
  return (
    <figure className="space-y-2">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="h-auto w-full" aria-hidden="true" data-testid="feedback-chart">
        <Group left={MARGIN.left} top={MARGIN.top}>
          {y.ticks(4).map((t) => (
            <g key={t}>
              <line x1={0} x2={innerWidth} y1={y(t)} y2={y(t)} className="stroke-neutral-200 dark:stroke-neutral-800" />
              <text
                x={-6}
                y={y(t)}
                dy="0.32em"
                textAnchor="end"
                className="fill-neutral-600 text-[11px] dark:fill-neutral-400"
              >
                {t}
              </text>
            </g>
          ))}
          {rateScale.ticks(4).map((t) => (
            <text
              key={`r${t}`}
              x={innerWidth + 6}
              y={rateScale(t)}
              dy="0.32em"
              className="fill-neutral-600 text-[11px] dark:fill-neutral-400"
            >
              {percent(t).replace(".0", "")}
            </text>
          ))}
          <BarStack<Row, Kind> data={rows} keys={[...KINDS]} x={(r) => r.start} xScale={x} yScale={y} color={() => ""}>
            {(stacks) =>
              stacks.map((stack) =>
                stack.bars
                  .filter((bar) => bar.height > 0)
                  .map((bar) => (
                    <rect
                      key={`${stack.key}-${bar.index}`}
                      x={bar.x}
                      y={bar.y}
                      width={bar.width}
                      height={bar.height}
                      className={FILL[stack.key]}
                    />
                  )),
              )
            }
          </BarStack>
          <LinePath<Bucket>
            data={buckets}
            x={(b) => center(b.start)}
            y={(b) => rateScale(b.negative_rate)}
            className="fill-none stroke-red-800 stroke-2 dark:stroke-red-300"
          />
          <LinePath<Bucket>
            data={buckets}
            x={(b) => center(b.start)}
            y={(b) => rateScale(b.confused_rate)}
            strokeDasharray="4 3"
            className="fill-none stroke-orange-700 stroke-2 dark:stroke-orange-300"
          />
          {rows.map((r, i) =>
            i % every === 0 ? (
              <text
                key={r.start}
                x={center(r.start)}
                y={innerHeight + 18}
                textAnchor="middle"
                className="fill-neutral-600 text-[11px] dark:fill-neutral-400"
              >
                {dayLabel(r.start)}
              </text>
            ) : null,
          )}
        </Group>
      </svg>
      <figcaption className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-neutral-700 dark:text-neutral-300">
        {KINDS.map((k) => (
          <span key={k} className="inline-flex items-center gap-1">
            <span className={`inline-block size-2.5 rounded-sm ${SWATCH[k]}`} aria-hidden="true" />
            {NAME[k]}
          </span>
        ))}
        <span className="inline-flex items-center gap-1">
          <span className="inline-block h-0.5 w-4 bg-red-800 dark:bg-red-300" aria-hidden="true" />
          Negative rate (right scale)
        </span>
        <span className="inline-flex items-center gap-1">
          <span
            className="inline-block h-0.5 w-4 border-t-2 border-dashed border-orange-700 dark:border-orange-300"
            aria-hidden="true"
          />
          Confused rate (right scale)
        </span>
      </figcaption>
      {/* In a clipped box: a table never shrinks below its content, so it cannot be clipped itself. */}
      <div className="sr-only">
        <table>
          <caption>Human reactions per day by kind, with the negative and confused rates</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Parts sent</th>
              {KINDS.map((k) => (
                <th key={k} scope="col">
                  {NAME[k]}
                </th>
              ))}
              <th scope="col">Negative rate</th>
              <th scope="col">Confused rate</th>
            </tr>
          </thead>
          <tbody>
            {buckets.map((b) => (
              <tr key={b.start}>
                <th scope="row">{dayLabel(b.start)}</th>
                <td>{b.parts}</td>
                {KINDS.map((k) => (
                  <td key={k}>{b.kinds[k]}</td>
                ))}
                <td>{percent(b.negative_rate)}</td>
                <td>{percent(b.confused_rate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
