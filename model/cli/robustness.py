"""``leverage robustness``: how often each outcome is an equilibrium when the parameters are
drawn from their declared distributions, with Sobol' indices and a tornado chart on request."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from model.cli.common import add_setting_arguments, add_wide_argument, fitted, load_setting
from model.cli.sweep import add_engine_arguments, engine_options
from model.io import dumps_json
from model.report.robustness import render

if TYPE_CHECKING:

    from model.game import Game


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "robustness",
        help="Monte Carlo over the parameters' distributions: how often each outcome is an "
        "equilibrium",
        description="Draw every parameter (or those of --vary-only) from the distribution its "
        "payoff file declares, solve the game at each draw and report how often each outcome "
        "is an equilibrium, and the only one, with 95%% Wilson intervals; how many equilibria "
        "there are; optionally Sobol' indices of chosen outputs and a tornado chart of "
        "one-at-a-time swings. Parameters fixed by --set are not drawn, nor those the scenario "
        "sets unless --vary-only names them. "
        "Outputs: P(OUTCOME) (1 if some equilibrium has that outcome), n_equilibria, "
        "PLAYER_payoff (the player's mean payoff over the equilibria).",
    )
    add_setting_arguments(p)
    for action in p._actions:
        if action.dest == "out":
            action.help = ("write the samples (parameters, outcomes, equilibria) to this .csv "
                           "or .parquet file, with its provenance beside it")
            action.metavar = "FILE"
    p.add_argument("--samples", type=int, required=True, metavar="N",
                   help="number of random parameter points")
    p.add_argument("--seed", type=int, required=True, metavar="S",
                   help="seed of the draws (and of the Sobol' design): the same seed gives the "
                   "same draws whatever the chunking or number of workers")
    p.add_argument("--vary-only", action="append", metavar="NAME,...",
                   help="draw only these parameters (comma-separated, repeatable); the others "
                   "keep their baseline, scenario or --set values")
    p.add_argument("--sobol", action="append", nargs="+", metavar="OUTPUT",
                   help="estimate first-order and total Sobol' indices of these outputs, e.g. "
                   "'P(deal)' n_equilibria US_payoff")
    p.add_argument("--sobol-samples", type=int, metavar="N",
                   help="base samples of the Sobol' design, a power of two (default 1024); "
                   "the design has N * (parameters + 2) points")
    p.add_argument("--tornado", metavar="PNG",
                   help="write a tornado chart of one-at-a-time swings to this PNG (or SVG, "
                   "by the suffix)")
    p.add_argument("--tornado-output", metavar="OUTPUT",
                   help="the output the tornado shows (default: the first player's mean "
                   "equilibrium payoff)")
    add_engine_arguments(p)
    add_wide_argument(p)
    p.set_defaults(func=fitted(_cmd_robustness))


def _names(items: list[str] | None) -> list[str] | None:
    if items is None:
        return None
    return [n.strip() for item in items for n in item.split(",") if n.strip()]


def _cmd_robustness(args: argparse.Namespace) -> int:
    from model.errors import UsageError
    from model.io import output_locks
    from model.sensitivity.outputs import check_output
    from model.sensitivity.table import check_output as check_table_file

    game, overrides = load_setting(args)
    if args.samples < 1:
        raise UsageError(f"--samples must be at least 1, got {args.samples}")
    if args.scenario is not None:
        game.scenario(args.scenario)
    vary_only = _names(args.vary_only)
    outputs = [o for group in args.sobol or [] for o in group]
    for o in outputs:
        check_output(game, o)
    if args.sobol_samples is not None and not outputs:
        raise UsageError("--sobol-samples goes with --sobol OUTPUT")
    if args.tornado_output is not None:
        if not args.tornado:
            raise UsageError("--tornado-output goes with --tornado PNG")
        check_output(game, args.tornado_output)
    if args.tornado:
        from model.report.plot_style import figure_format

        figure_format(args.tornado, "--tornado")
    if args.out:
        check_table_file(args.out)
    if args.allow_outside:
        raise UsageError("--allow-outside does not apply here: every draw lies in its "
                         "parameter's declared range")
    if args.resume and not args.checkpoint:
        raise UsageError("--resume needs the --checkpoint DIR of the stopped run")
    options = engine_options(args)
    with output_locks(args.out, args.tornado, args.checkpoint):
        return _run(game, overrides, args, vary_only, outputs, options)


def _run(game: Game, overrides: dict[str, float], args: argparse.Namespace,
         vary_only: list[str] | None, outputs: list[str], options: dict[str, Any]) -> int:
    from model.io import atomic_write
    from model.report.plots import tornado_png
    from model.sensitivity.indices import SOBOL_SAMPLES, tornado
    from model.sensitivity.montecarlo import robustness

    try:
        result = robustness(
            game, args.samples, args.seed, scenario=args.scenario, params=overrides,
            tol=args.tol, vary_only=vary_only, sobol=outputs or None,
            sobol_samples=args.sobol_samples or SOBOL_SAMPLES,
            checkpoint=args.checkpoint, resume=args.resume, with_frame=bool(args.out),
            **options,
        )
    except KeyboardInterrupt:
        hint = (": run the same command with --resume to continue" if args.checkpoint
                else "; add --checkpoint DIR to keep finished chunks of a long run")
        print(f"\nstopped{hint}", file=sys.stderr)
        return 130
    torn = None
    if args.tornado:
        torn = tornado(game, args.tornado_output, scenario=args.scenario, params=overrides,
                       tol=args.tol, vary_only=vary_only)
        from model.report.plot_style import figure_format

        atomic_write(args.tornado, tornado_png(torn, fmt=figure_format(args.tornado)))
        print(f"wrote {args.tornado}", file=sys.stderr)
    if args.out:
        from model.report.files import write_frames

        write_frames(args.out, [result.frame()], result.provenance)
        print(f"wrote {args.out} ({result.samples} samples)", file=sys.stderr)
    if args.json:
        doc = result.to_json()
        doc["tornado"] = None if torn is None else torn.to_json()
        sys.stdout.write(dumps_json(doc, indent=2) + "\n")
    else:
        from model.text import fit

        sys.stdout.write(fit(render(result, torn)) if not args.wide else render(result, torn))
    return 0


