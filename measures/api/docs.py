"""API documentation text: every endpoint described in Chinese and in English (data, not code).

The OpenAPI document is read by people on both sides of an integration — the court's own staff
and the vendors of 办公系统 / 法综 — so each description carries both languages.
"""

DOCS = {
    "if_match": (
        "措施的 ETag（读取措施时在响应头 ETag 和字段 etag 中给出）。缺少时返回 428，与当前版本不符时返回 412 且不做任何修改。",
        "The measure's ETag (from the ETag header or the etag field when it was read). Without it the "
        "request gets 428; if it no longer matches the current version, 412 and nothing changes.",
    ),
    "ordering": ("按当前时限排序：current_deadline（默认，升序）或 -current_deadline。",
                 "Sort by current deadline: current_deadline (default) or -current_deadline."),
    "review_list": ("整改任务列表：整改办看到本院及下级法院的全部整改任务，其他人看到与自己措施相关的整改任务。",
                    "Reviews: the rectification office sees its court and those below; others the reviews "
                    "their measures belong to."),
    "review_detail": ("一项整改任务（来源、反馈日期、总时限等）。不在权限范围内时返回 404。",
                      "One review (source, feedback date, overall deadline…). 404 when out of scope."),
    "category_list": ("问题类别列表，可按整改任务过滤。", "Problem categories, filterable by review."),
    "category_detail": ("一个问题类别。", "One problem category."),
    "problem_list": ("问题清单：可按整改任务、问题类别、牵头部门过滤。",
                     "The problem list, filterable by review, category and lead department."),
    "problem_detail": ("一个问题及其原因剖析、责任领导和牵头/配合部门。",
                       "One problem with its root cause, responsible leader and departments."),
    "finding_list": ("原始反馈意见（差距）及其对应的问题。", "Findings as received and the problems they became."),
    "finding_detail": ("一条反馈意见。", "One finding."),
    "measure_list": (
        "我的整改任务：与页面相同的权限范围和过滤条件（整改任务、状态、类型、红黄绿灯、时限区间、牵头部门、关键词），"
        "按（当前时限, id）游标分页，任何位置都一样快。每条含责任领导、牵头/配合部门和最近一次进展。"
        "院领导加 scope=mine 只看我分管的部门和我任责任领导的措施。",
        "Measures in your scope with the same filters as the list page (review, status, type, traffic "
        "light, deadline range, lead department, search), cursor-paginated on (current deadline, id) so "
        "every page is equally fast. Each row has its leader, departments and latest progress. A court "
        "leader adds scope=mine for the departments he supervises and the measures he leads.",
    ),
    "measure_detail": ("一条整改措施；响应头 ETag 用于后续修改的 If-Match。不在权限范围内时返回 404。",
                       "One measure; its ETag header is the If-Match for changes. 404 when out of scope."),
    "measure_patch": (
        "修改措施的计划字段（仅整改办）。状态不可修改（返回 400 并指明 status 字段）；当前时限只能通过延期改变；"
        "无权修改的字段（如时限、责任领导）返回 403 并指明字段。需要 If-Match。",
        "Change a measure's planning fields (rectification office only). status is never writable (400 "
        "naming the field); the current deadline moves only by extension; a field your role may not "
        "change (deadline, responsible leader) gets 403 naming it. Needs If-Match.",
    ),
    "measure_start": ("开始整改（未启动 → 推进中 / 持续推进）。需要 If-Match。",
                      "Start the measure (not started → in progress / continuing). Needs If-Match."),
    "measure_report_progress": (
        "报送整改进展，可用 multipart/form-data 附佐证材料（files，可多个）。未启动的措施自动开始。需要 If-Match。"
        "返回措施，Location 指向新的进展记录。",
        "Report progress, optionally with evidence files (multipart/form-data, files may repeat). A "
        "measure not yet started starts. Needs If-Match. Returns the measure; Location points at the "
        "new progress report.",
    ),
    "measure_submit_closeout": (
        "申请销号：须写明整改结果，且至少有一份佐证材料；仅牵头部门和责任人可申请，长期坚持类不能申请。需要 If-Match。",
        "Apply for close-out: needs the result and at least one evidence file; only the lead department "
        "and the owner may apply; ongoing measures never close. Needs If-Match.",
    ),
    "measure_approve": ("审核通过销号：先由责任领导，再由整改办；第二步通过即已销号。需要 If-Match。",
                        "Approve the close-out: first the responsible leader, then the rectification "
                        "office, whose approval closes the measure. Needs If-Match."),
    "measure_return": ("退回销号申请，须写明理由；措施回到推进中。需要 If-Match。",
                       "Return the close-out request with a reason; the measure goes back to in progress. "
                       "Needs If-Match."),
    "measure_extend": ("申请延期：新时限须晚于当前时限，同一时间只能有一个待审批的延期。需要 If-Match。",
                       "Request an extension: the new deadline must be later than the current one, and only "
                       "one request may wait at a time. Needs If-Match."),
    "progress_list": ("整改进展记录（含佐证材料），可按措施过滤。", "Progress reports with their evidence, by measure."),
    "progress_detail": ("一条整改进展。", "One progress report."),
    "evidence_list": ("佐证材料清单，可按措施、进展、销号申请过滤。",
                      "Evidence files, filterable by measure, progress report and close-out."),
    "evidence_detail": ("一份佐证材料的信息。", "One evidence file's details."),
    "evidence_download": ("下载佐证材料（作为附件，nosniff）。与措施相同的权限检查，范围外返回 404。",
                          "Download an evidence file (as an attachment, nosniff), after the same scope "
                          "check as its measure; 404 out of scope."),
    "closeout_list": ("销号申请及其两级审核记录。", "Close-out requests and their two sign-offs."),
    "closeout_detail": ("一项销号申请。", "One close-out request."),
    "extension_list": ("延期申请及审批结果。", "Extension requests and their decisions."),
    "extension_detail": ("一项延期申请。", "One extension request."),
    "extension_decide": ("审批延期（仅整改办）：approve 只改当前时限，原定时限永远保留；reject 须写理由。",
                         "Decide an extension (rectification office only): approve moves the current "
                         "deadline, never the original one; reject needs a note."),
    "lookback_list": ("回头看记录。", "Look-backs."),
    "lookback_detail": ("一次回头看。", "One look-back."),
    "lookback_record": ("记录回头看结果（仅整改办）：held 巩固；relapsed 反弹须说明情况并给出新的整改时限（new_deadline），措施重新打开、进度回到反弹前最后一次如实报送的数值，并计数。",
                        "Record a look-back (rectification office only): held, or relapsed with a note and a "
                        "new_deadline, which reopens the measure at its last honestly reported progress and "
                        "counts the relapse."),
    "prompt_list": ("工作提示单：整改办看到本院及下级法院的全部，部门看到发给本部门的。",
                    "Work prompt sheets: the office sees all of its court tree, a department those sent to it."),
    "prompt_detail": ("一期工作提示单及各部门的阅读情况。", "One prompt sheet and who has read it."),
    "prompt_issue": ("发布一期工作提示单（仅整改办），期号按整改任务连续编号。",
                     "Issue a prompt sheet (rectification office only), numbered per review without gaps."),
    "prompt_confirm": ("本部门确认已阅。", "Confirm that your department has read it."),
    "dashboard": ("仪表盘汇总：总数、超期、临期、申请销号、已销号，与措施列表相同的范围和过滤条件（含 scope=mine）。",
                  "Dashboard counts (total, overdue, due soon, close-out requested, closed) over the same "
                  "scope and filters as the measure list (scope=mine included)."),
}


def doc(key: str) -> str:
    zh, en = DOCS[key]
    return f"{zh}\n\n{en}"
