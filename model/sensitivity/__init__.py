"""How the equilibria move as the leverage parameters move: sweeps over grids, tipping
points, two-parameter maps and Monte Carlo robustness, on one chunked engine."""
