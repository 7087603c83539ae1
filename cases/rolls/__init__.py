"""External rolls (外部名单): reading, checking and importing the lists other offices send — the poverty registry
(建档立卡, from the poverty-alleviation office), the severe-disability list (残联), the poor-because-of-illness list
(因病致贫), the COVID-19 patient list and the death list — and the selectors the comparison job reads
(policy.md §2, §11, §12).

File format
-----------
* Excel (.xlsx, .xlsm, .xls; the first worksheet) or CSV (UTF-8 with or without BOM, else GB18030/GBK; comma- or
  tab-separated). At most 50 MB.
* The header row is the first of the first 10 rows that names the 身份证号 column (a title row above it is
  allowed). Columns are found by their Chinese header, in any order; other columns are ignored. Spaces, ``*``
  and a note in brackets after a name (``乡镇（街道）``, ``残疾等级（1-4）``) are ignored. Empty rows are skipped.
  Row numbers in reports are the spreadsheet's own.
* Headers per roll (必填 = the column must exist; 选填 columns are read when present). Also accepted: 公民身份号码,
  身份证号码, 证件号码 for 身份证号; 户主关系 for 与户主关系; 户码, 户号 for 户编号; 村（社区）, 社区, 行政村 for 村;
  病种 for 疾病名称; more in ``columns.COLUMNS``.

  ============  ========  ========  ========  ========  ========  ==============================================
  列名          建档立卡  残联      因病致贫  新冠患者  死亡人员  填写
  ============  ========  ========  ========  ========  ========  ==============================================
  身份证号      必填      必填      必填      必填      必填      文本格式；数字格式的单元格使整个文件被拒绝
  姓名          必填      必填      必填      必填      必填
  乡镇          必填      必填      必填      必填      必填      本县乡镇（街道）名称，可省略“镇”“乡”“街道”
  村            必填      选填      选填      选填      选填      该乡镇的村（社区）名称
  户编号        必填      选填      选填      —         —         文本格式
  与户主关系    必填      选填      选填      —         —
  贫困户属性    必填      —         —         —         —         一般贫困户 / 低保贫困户 / 特困供养贫困户，可空
  脱贫状态      必填      —         —         —         —         未脱贫 / 已脱贫（返贫记为未脱贫），可空
  是否监测对象  必填      —         —         —         —         是 / 否，空为否
  残疾类别      —         必填      —         —         —         肢体 视力 听力 言语 智力 精神 多重
  残疾等级      —         必填      —         —         —         一级 至 四级（或 1–4）
  疾病名称      —         —         必填      —         —
  入院日期      —         —         —         必填      —         日期，如 2020-02-03
  出院日期      —         —         —         选填      —         日期；未出院留空
  死亡日期      —         —         —         —         必填      日期
  ============  ========  ========  ========  ========  ========  ==============================================

Rules
-----
* The file is refused as a whole, with one report listing every problem (rows, column, what is wrong, how to
  fix it), and nothing is written, when: a required column is missing; the file is unreadable or has no data
  row; a township (or a village within its township) is unknown; an ID cell is stored as a number (digits and a
  final X are lost: "请将该列设置为文本格式后重新导出"); or a value of a checked column cannot be read (an empty
  name, an unknown 脱贫状态, a date that is not a date, …).
* ID numbers (§12) that are invalid or empty are *kept*: the row is imported with ``id_valid`` False and its raw
  text. A normalised number on several rows marks every one of those rows ``id_duplicate``. They are counted and
  raise ``ID_INVALID`` / ``ID_DUPLICATE`` in the comparison; they are not errors of the file.
* A row is matched to the active member with the same normalised ID number (one query for the file).
* Preview writes nothing. Commit is atomic, stores the file with who, when and the counts, writes the rows with
  COPY, and makes the import the one in force for its kind (a roll is a full snapshot, not an increment).
  Committing a file already committed for the kind (same SHA-256) writes nothing and returns that import.
* Only county staff and county admins import (the rolls are county-wide); county users and county auditors see
  the imports.

Modules
-------
* ``columns``: the columns of each roll (headers, aliases, which are required), the upload page's header table and
  the record layout (the COPY columns) the parser fills and the import writes.
* ``parser``: reading and checking a file — cells, places, problems, the report — without writing anything.
* ``services``: preview and import (with the acting user, in a transaction, rows written with COPY) and the pending
  upload between the preview and the confirmation.
* ``selectors``: the imports in force and their records, the registry status of people and households, and the
  pages' lists of imports and records.
"""
