"""The leaderboard, derived from run files only: rows, columns, the Markdown page, the CSV and the plots.

TensorFlow-free: it reads run records (:mod:`benchmark.records`) and renders them (an import contract checks it).
"""
