"""Storage: tables, migrations, and the functions that read and write.

Handlers call the functions of the per-resource modules, passing the
process's ``Database``; nothing outside this package sees SQL.
"""
