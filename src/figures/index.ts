/** Figure builders: plain plotly data (traces, layout, config), no DOM, no plotly.js. */
export type { Figure, Trace, Layout } from "./figure";
export { durationsFigure } from "./durations";
export { wallTimeFigure } from "./wall-time";
export { timelineFigure, type TimelineOptions } from "./timeline";
export { speedupFigure, idealLine, type SpeedupPoint, type SpeedupOptions } from "./speedup";
export { memoryPerUnitFigure, formatBytes, byteTicks } from "./memory";
export { loopLagFigure, type LoopLagSeries } from "./loop-lag";
export {
  strategyStyle,
  strategyColor,
  strategyName,
  textColorOn,
  baseLayout,
  axis,
  plotlyConfig,
  FONT,
  DEFAULT_HEIGHT,
  SERIES_COLORS,
  STYLED_STRATEGIES,
  type StrategyStyle,
} from "./style";
export { startupFigure, switchCostFigure } from "./per-unit";
export { waitsFigure } from "./waits";
