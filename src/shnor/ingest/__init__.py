"""Reading input files into the results cube: ``reading`` drives it, one module per input layout reads a sheet.

The package itself imports nothing, so that the command can start opening the input files (``ahead``) while
pandas is still importing.
"""
