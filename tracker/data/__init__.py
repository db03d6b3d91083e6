"""Referral and training data: declared data sets, safe imports, templates and demo data.

* ``readers``: CSV and XLSX files into rows, refusing unsafe workbooks;
* ``fields``: a cell into the canonical stored value, plus derived fields;
* ``importer``: ``tracker data import`` -- every row checked, then all or nothing;
* ``template``: ``tracker data template`` -- empty files with the right columns;
* ``synthetic``: the demo's synthetic referral and training files.

Identifying columns and values are refused by ``tracker.privacy``, which the plan
checks share. How a row is stored is the contract in notes/data-contract.md.
"""
