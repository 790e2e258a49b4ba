import { useId } from 'react';

// A faceted nugget: outline points A–I around, P, Q, R inside; each facet a shade by how it faces the light.
const FACETS: readonly (readonly [string, number])[] = [
  ['52,78 86,52 98,84', 2],
  ['86,52 128,48 98,84', 1],
  ['128,48 160,70 124,112 98,84', 2],
  ['160,70 172,110 124,112', 3],
  ['172,110 154,146 124,112', 4],
  ['154,146 112,160 124,112', 5],
  ['112,160 66,154 78,122 124,112', 4],
  ['66,154 40,118 78,122', 5],
  ['40,118 52,78 78,122', 3],
  ['52,78 98,84 78,122', 2],
  ['98,84 124,112 78,122', 1],
];
const OUTLINE = '40,118 52,78 86,52 128,48 160,70 172,110 154,146 112,160 66,154';
// Sparkles around the nugget, in the art's 200-unit square: [x, y, radius]. They are HTML, not part of
// the SVG, so their twinkle runs on the compositor instead of repainting the art every frame.
const SPARKLES: readonly (readonly [number, number, number])[] = [
  [150, 40, 9],
  [38, 72, 6],
  [176, 140, 6],
  [104, 96, 7],
];
const SPARKLE_PATH = 'M0-10Q2.5-2.5 10 0Q2.5 2.5 0 10Q-2.5 2.5-10 0Q-2.5-2.5 0-10z';

export function NuggetArt() {
  const glowId = useId();
  return (
    <>
      <svg className="nugget__art" viewBox="0 0 200 200" aria-hidden="true" focusable="false">
        <defs>
          <radialGradient id={glowId}>
            <stop offset="0%" className="nugget__glow-stop" />
            <stop offset="100%" className="nugget__glow-stop nugget__glow-stop--edge" />
          </radialGradient>
        </defs>
        <circle className="nugget__glow" cx="104" cy="104" r="96" fill={`url(#${glowId})`} />
        <ellipse className="nugget__shadow" cx="106" cy="170" rx="62" ry="9" />
        <g className="nugget__rock">
          {FACETS.map(([points, shade]) => (
            <polygon key={points} className={`nugget__facet nugget__facet--${shade}`} points={points} />
          ))}
          <polygon className="nugget__outline" points={OUTLINE} />
          <path className="nugget__highlight" d="M90 60 118 56 102 78z" />
        </g>
      </svg>
      <span className="nugget__sparkles" aria-hidden="true">
        {SPARKLES.map(([x, y, radius], index) => (
          <svg
            key={`${x},${y}`}
            className={`nugget__sparkle nugget__sparkle--${index + 1}`}
            viewBox="-10 -10 20 20"
            aria-hidden="true"
            focusable="false"
            style={{ left: `${x / 2}%`, top: `${y / 2}%`, width: `${radius}%` }}
          >
            <path d={SPARKLE_PATH} />
          </svg>
        ))}
      </span>
    </>
  );
}
