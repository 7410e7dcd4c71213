"""The benchmarks of the collection, run by airspeed velocity (asv): ``make bench``.

Each ``bench_*.py`` module measures its cases once, interleaved, in a ``setup_cache`` (in child
processes where TensorFlow must start with other settings), and reports every ratio as one
``track_check`` value per check; ``BOUNDS`` in the module gives each check's bound, which
``python -m benchmarks.report`` writes into ``benchmarks/results.md``. Nothing heavy is imported
at module level (asv imports a module once per check); TensorFlow comes through
``_timing.tensorflow()``, after ``helpers``. See README.md here.
"""
