"""Demo data for ``manage.py seed_demo``: plain structures, read by the command.

The main review follows the real bulletin in ``seeds/003``: 市委第二巡察组 inspected 新吴区人民法院
for a month and fed back "4项12个问题 → 65条整改措施"; nine problems are rectified, three still in
progress. The benchmarking review follows ``seeds/000`` (six gaps), the theme-education review
``seeds/004`` (8 problems → 17 measures → 6 rules).

Dates are ISO strings, or integers meaning "that many days from today" (negative = in the past), so
the open measures show every traffic-light colour whenever the demo is seeded. A review that still
has open measures is written with the seed's own calendar (2020-07-16 feedback, 2020-12-31 deadline,
…) and then moved as a whole by ``relative_to_today``: its feedback falls a fixed number of days
before today and every other date keeps its distance from it, so the history, the deadlines and the
open measures' traffic lights tell one consistent story (no 2020 feedback with 2026 deadlines). The
theme-education review is finished and keeps its real 2023 dates.

A measure's ``plan`` says how far the seed drives it through the workflow:

closed             progress with evidence → close-out → leader → office
closed_extended    an approved extension to ``ext_to`` first, then closed
closed_returned    the office returns the first close-out; evidence is added, then closed
ongoing            长期坚持: progress reports only (status 持续推进)
relapsed           closed, then the look-back finds a relapse and reopens it with the new deadline ``ext_to``
in_progress        progress reported (green, yellow or red by its deadline)
not_started        nothing yet
closeout_leader    close-out awaiting the responsible leader
closeout_office    close-out awaiting the rectification office
extension_pending  progress, then an extension request to ``ext_to`` awaiting the office
extended           an approved extension from ``due`` to ``ext_to``
extension_rejected an extension request the office refused; the measure stays overdue
"""

import datetime
import re

DEMO_PASSWORD = "Demo@2026zg"

REVIEW_DATE_KEYS = ("period_start", "period_end", "feedback_date", "deadline", "setup_date")


def relative_to_today(review: dict, *, feedback_days_ago: int) -> dict:
    """The review moved as a whole: each ISO date becomes "days from today", its feedback date
    ``feedback_days_ago`` days back and every other date at the seed's distance from it. Dates
    already relative to today (integers) are left as they are."""
    anchor = datetime.date.fromisoformat(review["feedback_date"])

    def moved(value):
        if isinstance(value, str):
            return (datetime.date.fromisoformat(value) - anchor).days - feedback_days_ago
        return value

    return {
        **review,
        **{key: moved(review[key]) for key in REVIEW_DATE_KEYS},
        "categories": [
            {**category, "problems": [
                {**problem, "measures": [
                    {**m, "due": moved(m["due"]), "ext_to": moved(m["ext_to"])} for m in problem["measures"]
                ]}
                for problem in category["problems"]
            ]}
            for category in review["categories"]
        ],
    }

MAIN_REVIEW_TITLE = "市委第二巡察组巡察反馈意见整改"

ROLE_LABELS = {
    "staff": "部门联络员",
    "department_head": "部门负责人",
    "party_secretary": "党组书记",
    "leader": "院领导",
    "rectification_office": "整改办",
    "discipline_office": "纪检组",
    "system_admin": "系统管理员",
    "security_admin": "安全管理员",
    "audit_admin": "审计管理员",
}

COURTS = [
    {"key": "zy", "name": "无锡市中级人民法院", "short_name": "无锡中院", "level": "intermediate", "parent": None},
    {"key": "xw", "name": "无锡市新吴区人民法院", "short_name": "新吴法院", "level": "basic", "parent": "zy"},
    {"key": "lx", "name": "无锡市梁溪区人民法院", "short_name": "梁溪法院", "level": "basic", "parent": "zy"},
]

# court key → [(department code, name)], in display order
DEPARTMENTS = {
    "xw": [
        ("bangongshi", "办公室"),
        ("zhengzhibu", "政治部"),
        ("duchashi", "督察室"),
        ("dangwei", "机关党委"),
        ("shenguan", "审管办"),
        ("lian", "立案庭"),
        ("xingshi", "刑事审判庭"),
        ("minshi", "民事审判庭"),
        ("shangshi", "商事审判庭"),
        ("zhixing", "执行局"),
        ("xingzhuang", "行装科"),
        ("fajing", "司法警察大队"),
        ("jijianzu", "派驻纪检组"),
    ],
    "zy": [
        ("bangongshi", "办公室"),
        ("zhengzhibu", "政治部"),
        ("dangwei", "机关党委"),
        ("yanjiushi", "研究室"),
        ("shenguan", "审管办"),
        ("lian", "立案庭"),
        ("minyi", "民事审判第一庭"),
        ("shangshi", "商事审判庭"),
        ("zhixing", "执行局"),
        ("susong", "诉讼服务中心"),
        ("xinxi", "信息技术处"),
        ("jijianzu", "派驻纪检组"),
    ],
    "lx": [
        ("bangongshi", "办公室"),
        ("zhengzhibu", "政治部"),
        ("lian", "立案庭"),
        ("minshi", "民事审判庭"),
        ("zhixing", "执行局"),
    ],
}


def _user(username, full_name, title, court, department, roles, supervises=(), featured=False):
    return {
        "username": username, "full_name": full_name, "title": title, "court": court,
        "department": department, "roles": list(roles), "supervises": list(supervises), "featured": featured,
    }


# Fictional people. ``supervises``: the departments a leader is in charge of (分管). Each 院长 is the
# 党组书记 (party_secretary: sees his whole court tree) and, as a Party group member, a leader with
# departments of his own.
USERS = [
    # 新吴区人民法院 — the inspected court
    _user("yuanzhang", "周立新", "党组书记、院长", "xw", None, ["party_secretary", "leader"],
          ["bangongshi", "zhengzhibu"], True),
    _user("fuyuanzhang_chen", "陈志远", "党组副书记、副院长", "xw", None, ["leader"],
          ["shenguan", "lian", "minshi", "shangshi"], True),
    _user("fuyuanzhang_liu", "刘海燕", "党组成员、副院长", "xw", None, ["leader"], ["xingshi", "duchashi", "dangwei"]),
    _user("fuyuanzhang_sun", "孙卫东", "党组成员、副院长", "xw", None, ["leader"], ["zhixing", "xingzhuang", "fajing"]),
    _user("zhengzhibu", "吴静", "政治部（督察室）整改办主任", "xw", "zhengzhibu", ["rectification_office"], featured=True),
    _user("jijianzu", "郑国平", "派驻纪检组组长", "xw", "jijianzu", ["discipline_office"], featured=True),
    _user("head_zhixing", "马骏", "执行局局长", "xw", "zhixing", ["department_head"], featured=True),
    _user("head_shenguan", "黄丽", "审管办主任", "xw", "shenguan", ["department_head"]),
    _user("head_lian", "许文斌", "立案庭庭长", "xw", "lian", ["department_head"]),
    _user("head_dangwei", "杨帆", "机关党委专职副书记", "xw", "dangwei", ["department_head"]),
    _user("head_minshi", "朱宏", "民事审判庭庭长", "xw", "minshi", ["department_head"]),
    _user("liaison_bangongshi", "钱晓燕", "办公室联络员", "xw", "bangongshi", ["staff"]),
    _user("liaison_zhengzhibu", "冯婷", "政治部联络员", "xw", "zhengzhibu", ["staff"]),
    _user("liaison_duchashi", "沈磊", "督察室联络员", "xw", "duchashi", ["staff"]),
    _user("liaison_dangwei", "韩雪", "机关党委联络员", "xw", "dangwei", ["staff"]),
    _user("liaison_shenguan", "蒋涛", "审管办联络员", "xw", "shenguan", ["staff"]),
    _user("liaison_lian", "秦悦", "立案庭联络员", "xw", "lian", ["staff"]),
    _user("liaison_xingshi", "尤俊", "刑事审判庭联络员", "xw", "xingshi", ["staff"]),
    _user("liaison_minshi", "何佳", "民事审判庭联络员", "xw", "minshi", ["staff"]),
    _user("liaison_shangshi", "吕晨", "商事审判庭联络员", "xw", "shangshi", ["staff"]),
    _user("liaison_zhixing", "施洋", "执行局联络员", "xw", "zhixing", ["staff"], featured=True),
    _user("liaison_xingzhuang", "张敏", "行装科联络员", "xw", "xingzhuang", ["staff"]),
    _user("liaison_fajing", "孔亮", "司法警察大队联络员", "xw", "fajing", ["staff"]),
    # 无锡市中级人民法院 — watches the basic courts; runs the benchmarking and theme-education reviews
    _user("zy_yuanzhang", "顾振华", "党组书记、院长", "zy", None, ["party_secretary", "leader"],
          ["bangongshi", "zhengzhibu", "dangwei", "yanjiushi"], True),
    _user("zy_fuyuanzhang", "曹文杰", "党组成员、副院长", "zy", None, ["leader"],
          ["shenguan", "lian", "minyi", "shangshi", "zhixing", "susong", "xinxi"]),
    _user("zy_zhengzhibu", "严红", "政治部整改办主任", "zy", "zhengzhibu", ["rectification_office"], featured=True),
    _user("zy_jijianzu", "华建军", "派驻纪检组组长", "zy", "jijianzu", ["discipline_office"]),
    _user("zy_head_shenguan", "金鑫", "审管办主任", "zy", "shenguan", ["department_head"]),
    _user("zy_liaison_bangongshi", "魏娜", "办公室联络员", "zy", "bangongshi", ["staff"]),
    _user("zy_liaison_zhengzhibu", "陶然", "政治部联络员", "zy", "zhengzhibu", ["staff"]),
    _user("zy_liaison_dangwei", "姜楠", "机关党委联络员", "zy", "dangwei", ["staff"]),
    _user("zy_liaison_yanjiushi", "戚文", "研究室联络员", "zy", "yanjiushi", ["staff"]),
    _user("zy_liaison_shenguan", "谢宇", "审管办联络员", "zy", "shenguan", ["staff"]),
    _user("zy_liaison_lian", "邹琳", "立案庭联络员", "zy", "lian", ["staff"]),
    _user("zy_liaison_minyi", "喻晓", "民一庭联络员", "zy", "minyi", ["staff"]),
    _user("zy_liaison_shangshi", "柏杨", "商事审判庭联络员", "zy", "shangshi", ["staff"]),
    _user("zy_liaison_zhixing", "水清", "执行局联络员", "zy", "zhixing", ["staff"]),
    _user("zy_liaison_susong", "窦菲", "诉讼服务中心联络员", "zy", "susong", ["staff"]),
    _user("zy_liaison_xinxi", "章程", "信息技术处联络员", "zy", "xinxi", ["staff"]),
    # 三员分立: three people, one administrator role each
    _user("sysadmin", "云海", "系统管理员", "zy", "xinxi", ["system_admin"], featured=True),
    _user("secadmin", "苏明", "安全管理员", "zy", "xinxi", ["security_admin"], featured=True),
    _user("auditadmin", "潘越", "审计管理员", "zy", "jijianzu", ["audit_admin"], featured=True),
    # 无锡市梁溪区人民法院 — a second basic court with a small review
    _user("lx_yuanzhang", "葛建平", "党组书记、院长", "lx", None, ["party_secretary", "leader"],
          ["bangongshi", "zhengzhibu", "lian", "minshi", "zhixing"]),
    _user("lx_zhengzhibu", "范丽君", "政治部整改办主任", "lx", "zhengzhibu", ["rectification_office"]),
    _user("lx_liaison_lian", "彭飞", "立案庭联络员", "lx", "lian", ["staff"]),
    _user("lx_liaison_zhixing", "鲁斌", "执行局联络员", "lx", "zhixing", ["staff"]),
]

def measure(text, lead, support=(), *, type="deadline", due=None, plan=None, ext_to=None, result="", rules=0,
            target=""):
    """One 整改措施. ``plan`` defaults to closed (ongoing for 长期坚持) in rectified problems."""
    return {
        "text": text, "lead": lead, "support": list(support), "type": type, "due": due, "plan": plan,
        "ext_to": ext_to, "result": result, "rules": rules, "target": target,
    }


def ongoing(text, lead, support=(), **kwargs):
    return measure(text, lead, support, type="ongoing", plan="ongoing", **kwargs)


# --- (a) 市委巡察: 4项12个问题, 65条整改措施 ---------------------------------------------------------

INSPECTION_REVIEW = {
    "court": "xw",
    "title": MAIN_REVIEW_TITLE,
    "source": "xuncha",
    "issuing_body": "中共无锡市委第二巡察组",
    "period_start": "2020-04-27",
    "period_end": "2020-05-27",
    "feedback_date": "2020-07-16",
    "deadline": "2020-12-31",
    "setup_date": "2020-07-22",
    "office": "zhengzhibu",
    "leading_group": (
        "市委第十轮巡察反馈问题专项整治领导小组：组长 党组书记、院长周立新；副组长 党组副书记、副院长陈志远；"
        "成员 其他院领导及各部门负责人。领导小组办公室设在院政治部（督察室），具体负责专项整治日常工作的"
        "组织协调、督促检查。"
    ),
    "bulletin_frequency": "monthly",
    "categories": [
        {
            "name": "贯彻落实党的路线方针政策和党中央决策部署方面",
            "problems": [
                {
                    "key": "saohei",
                    "description": "统筹推进扫黑除恶专项斗争的力度还不小",
                    "root_cause": "对扫黑除恶专项斗争长期性、复杂性认识不足，案件审理、黑财执行、线索移送等环节衔接不够紧密。",
                    "leader": "fuyuanzhang_liu", "lead": "xingshi", "support": ["zhixing", "lian"],
                    "completed": True,
                    "measures": [
                        measure("抓好“案件清结、伞网清除”，对涉黑恶案件逐案建立台账，确保依法从快审结。",
                                "xingshi", ["lian"], due="2020-09-30",
                                result="涉黑恶案件已全部审结，伞网线索全部核查反馈。"),
                        measure("抓好均衡发展，在完成“案件清结”任务目标的基础上，对在办黑恶案件实行分管院领导包案，"
                                "加快节奏、压茬推进，确保法定审限内审结。", "xingshi", ["shenguan"],
                                type="immediate", due="2020-07-31",
                                result="在办黑恶案件均已落实院领导包案，全部在法定审限内审结。"),
                        measure("抓好“黑财清底”，生效涉黑恶案件的财产刑判项一律移送执行局执行。", "zhixing", ["xingshi"],
                                due="2020-09-30", plan="closed_extended", ext_to="2020-10-31",
                                result="9月底前生效的涉黑恶案件已全部移送本院执行局执行并已办结。"),
                        ongoing("抓好“线索清查”，对审理中发现的涉黑涉恶及“保护伞”线索逐条登记、及时移送。",
                                "xingshi", ["duchashi"]),
                    ],
                },
                {
                    "key": "gaige",
                    "description": "主动适应司法体制改革创新的意识还不强",
                    "root_cause": "对司法体制综合配套改革的研究谋划不够，服务法治化营商环境的举措不多，"
                                  "繁简分流、院庭长监管等配套机制不健全。",
                    "leader": "fuyuanzhang_chen", "lead": "shenguan", "support": ["shangshi", "lian", "zhengzhibu"],
                    "completed": False,
                    "measures": [
                        measure("出台《关于推进法治营商环境建设的行动方案》，围绕“依法保护涉案企业和中小投资者权益”"
                                "“市场主体退出”“执行合同”三个重点提供司法保障。", "shangshi", ["bangongshi"],
                                due="2020-09-30", plan="closed", rules=1,
                                result="行动方案已经党组会审议通过并印发实施。"),
                        ongoing("打造“枫桥式”矛盾纠纷多元化解机制，开展“庭所共建”“审务进基层、法官进网格”活动，"
                                "主动对接园区、企业开展商事纠纷诉源治理。", "lian", ["minshi", "shangshi"]),
                        measure("加强与无锡市法院联合会商事调解中心的业务联系，完善新形势下商事纠纷诉前委托调解机制。",
                                "shangshi", ["lian"], due=25, plan="in_progress"),
                        measure("建立和完善破产处置联动机制，精准划分执转破案件转入流程，规范管理人选任和报酬支付，"
                                "进一步加强府院联动。", "shangshi", ["zhixing"], due=-10, plan="extension_pending",
                                ext_to=30),
                        measure("严格落实立案登记制要求，商事类和执行案件当场立案登记率保持在95%以上。", "lian",
                                due=10, plan="closeout_office",
                                result="商事类和执行案件当场立案登记率连续三个季度保持在95%以上。"),
                        measure("推动繁简分流，出台《民商事案件分流规则》，以“定期检查通报”“案情汇报交流”"
                                "“结案预期报告”等方法加快审理节奏。", "shenguan", ["lian", "minshi"],
                                due=4, plan="in_progress", rules=1),
                        measure("出台不同人员绩效考核办法，科学设定办案基数，公平合理确定业绩得分，调动员额法官办案积极性。",
                                "zhengzhibu", ["shenguan"], due=-15, plan="in_progress", rules=1),
                        measure("制定《法官审判权力和责任清单》《院庭长案件监督管理办法》，界定院庭长监管的范围、原则和方法。",
                                "shenguan", due=12, plan="closeout_leader", rules=2,
                                result="两项制度已印发实施，院庭长监管范围、原则和方法已明确。"),
                        measure("在法综系统安装运行案件监管平台，对“六类案件”进行标注并纳入监管，实现监管常态化、规范化。",
                                "shenguan", ["bangongshi"], due=-20, plan="extended", ext_to=20),
                        measure("严格落实《平时考核规定》，月初评、季评定上报；向区政府请示提高聘用制书记员保障待遇标准。",
                                "zhengzhibu", ["xingzhuang"], due=60, plan="not_started"),
                        measure("建立良好的知识产权保护环境：加强与公安、检察机关对接，开展企业走访和专题讲座，"
                                "对接区市场监管局就商标侵权纠纷审判情况加强互动反馈。", "minshi", ["xingshi", "shangshi"],
                                due=-5, plan="in_progress"),
                    ],
                },
                {
                    "key": "siyaweimin",
                    "description": "践行司法为民、保障群众权益存在差距",
                    "root_cause": "审限监管和执行规范化管理不到位，长期未结案件清理不及时，警车特权等作风问题时有发生。",
                    "leader": "fuyuanzhang_chen", "lead": "shenguan", "support": ["zhixing", "duchashi", "fajing"],
                    "completed": False,
                    "measures": [
                        measure("严格审限监管，坚持每月审限变更情况通报，将长期未结案件全部纳入“六类案件”监管，"
                                "包案（督办）领导调整提级。", "shenguan", due="2020-09-30", plan="closed",
                                result="每月审限变更通报已常态化，长期未结案件已全部纳入“六类案件”监管。"),
                        measure("加强执行案件质量管理，每月组织执行业务学习，设立案件质量专员，检查合格方可报结并封装归档。",
                                "zhixing", due=15, plan="closeout_leader",
                                result="已设立案件质量专员2名，执行案件报结前质量检查全覆盖。"),
                        measure("组织终本案件“回头看”，明确终本案件结案标准，规范失信、限高等强制措施的使用。",
                                "zhixing", ["shenguan"], due=-12, plan="not_started"),
                        measure("纠正执行文书送达不规范问题，组织书记员业务培训，杜绝先签送达回证后拿法律文书及不送达的情况。",
                                "zhixing", ["lian"], due=2, plan="in_progress"),
                        measure("发挥督察作用，督察室每月或专项督察后将日常督察和重点督察情况形成专项督察报告。",
                                "duchashi", due="2020-10-31", plan="closed",
                                result="已形成月度督察报告4期、专项督察报告2期。"),
                        measure("开展警车特权行为专项整治，修订完善《公务用车及驾驶员管理规定》，"
                                "对已发生的警车特权行为落实到具体驾驶员并追究责任。", "fajing", ["xingzhuang", "duchashi"],
                                due=-20, plan="extension_rejected", ext_to=40, rules=1),
                        measure("开展长期未结案件专项清理，施行《关于开展长期未结案件专项清理活动的实施方案》，"
                                "每月发布《长期未结案件情况通报》。", "shenguan", ["minshi", "shangshi", "xingshi"],
                                due=-3, plan="in_progress", rules=1),
                        measure("加强审执规范业务学习和案件评查，由分管院领导、审管办主任授课，各业务部门定期开展日常评查，"
                                "质评办定期抽查已归档案件。", "shenguan", ["minshi", "xingshi", "zhixing"],
                                due=35, plan="in_progress"),
                        ongoing("全面开展廉政风险和司法作风排查整改，落实执行指挥中心实体化运行“854模式”，"
                                "检查立案、审判、执行、送达、文书上网等环节的司法作风问题。", "duchashi", ["zhixing", "lian"]),
                    ],
                },
            ],
        },
        {
            "name": "落实全面从严治党战略部署方面",
            "problems": [
                {
                    "key": "liangge",
                    "description": "“两个责任”落实不到位",
                    "root_cause": "党风廉政建设责任链条传导不够，对重点环节的监督不够有力，与派驻纪检组的沟通机制不健全。",
                    "leader": "yuanzhang", "lead": "duchashi", "support": ["zhengzhibu", "bangongshi"],
                    "completed": True,
                    "measures": [
                        measure("建立健全党风廉政建设和反腐败工作领导体制，明确责任分工，将党风廉政建设纳入"
                                "领导班子和领导干部目标责任制考核。", "duchashi", ["zhengzhibu"], due="2020-08-31",
                                result="党风廉政建设已纳入领导班子和领导干部目标责任制考核。"),
                        ongoing("多部门联合对定案决策、款物交接等最易发生司法腐败的重点环节进行重点监督，"
                                "坚持每月审限变更情况通报。", "duchashi", ["shenguan", "zhixing"]),
                        measure("严格执行任职回避制度，符合任职回避情形的法官和法官助理按规定调离法院或调离审判执行岗位。",
                                "zhengzhibu", type="immediate", due="2020-07-31",
                                result="符合任职回避情形的人员均已按规定调离。"),
                        measure("建立领导干部干预过问案件备案留痕制度，法官对说情打招呼情况在卷宗中留痕，"
                                "各部门每季度汇总上报。", "duchashi", ["shenguan"], due="2020-08-31", rules=1,
                                result="备案留痕制度已印发，各部门按季度汇总上报。"),
                        measure("在全院开展司法作风和廉政风险专项教育整顿，对当事人反映的违规违纪问题严肃查处。",
                                "duchashi", ["jijianzu"], due="2020-11-30",
                                result="专项教育整顿已完成，当事人反映的问题均已核查处理。"),
                        measure("在《党组议事决策规则》中明确“三重一大”事项决策程序，与派驻纪检组设立专门联络员，"
                                "会前发出预备通知，违纪违法线索由督察室第一时间通报。", "bangongshi", ["duchashi"],
                                due="2020-08-31", result="派驻纪检组联络员已设立，列席党组会议机制运行正常。"),
                    ],
                },
                {
                    "key": "ankuan",
                    "description": "案款管理存在较大风险",
                    "root_cause": "案款账户管理、发放审批和监督制度执行不严，不明款项长期未清理。",
                    "leader": "fuyuanzhang_sun", "lead": "zhixing", "support": ["xingzhuang", "duchashi"],
                    "completed": True,
                    "measures": [
                        measure("审理、执行案件立案后立即生成子账号并通过电子短信推送当事人，不再使用案款总账号，"
                                "全面落实“一案一人一账号”。", "lian", ["zhixing", "xingzhuang"], type="immediate",
                                due="2020-08-15", result="“一案一人一账号”已全面落实，案款总账号已停用。"),
                        measure("设立案款管理专员，建立动态管理台账，修订出台本院《案款管理规定》，"
                                "严格落实案款发放“五级审批”制度。", "zhixing", ["xingzhuang"], due="2020-09-30",
                                rules=1, result="设立案款管理专员2名，《案款管理规定》已修订出台。"),
                        measure("督察室派员、行装科派专人、执行局设立案款专员对款项支付进行监督并定期通报；"
                                "除每年一次的财政审计外，进行案款专项审计。", "duchashi", ["xingzhuang", "zhixing"],
                                due="2020-10-31", rules=1, result="已聘请专业审计机构完成案款专项审计，制定《案款发放管理规定》。"),
                        measure("成立案款清理小组，明确责任分工，进行案款清理专项整治，核销不明款项。", "zhixing",
                                ["xingzhuang"], due="2020-09-30", result="不明款项均已全部核销。"),
                    ],
                },
                {
                    "key": "chaochangqi",
                    "description": "超长期案件执行的随意性较大",
                    "root_cause": "执行节点管理不严，审限意识淡薄，疑难复杂案件缺少集体研究机制。",
                    "leader": "fuyuanzhang_sun", "lead": "zhixing", "support": ["shenguan"],
                    "completed": True,
                    "measures": [
                        measure("深化“854模式”升级版改革，制订相应管理规定，重申审限管理意识。", "zhixing",
                                due="2020-09-30", rules=1, result="“854模式”升级版管理规定已印发实施。"),
                        measure("确定疑难复杂案件专业法官会议讨论机制，定期组织开展业务培训，提高处理疑难复杂案件的能力。",
                                "zhixing", ["shenguan"], due="2020-10-31",
                                result="专业法官会议已讨论疑难复杂案件12件，开展业务培训3次。"),
                        ongoing("严格执行简易执行案件3个月内结案，财产处置案件6个月内进拍、1年内结案的要求。", "zhixing",
                                ["shenguan"]),
                    ],
                },
                {
                    "key": "fagai",
                    "description": "发改案件管理监督不够严格",
                    "root_cause": "发改案件评查和责任追究制度执行不到位，评查结果运用不充分。",
                    "leader": "fuyuanzhang_chen", "lead": "shenguan", "support": ["duchashi", "minshi", "xingshi"],
                    "completed": True,
                    "measures": [
                        measure("实施发改案件“双重评查”制度，制定本院《发改案件质量评查方案》，对上一年度审结的发改案件"
                                "进行双重评查并形成评查报告。", "shenguan", ["minshi", "xingshi"], due="2020-09-30",
                                rules=1, result="上一年度发改案件双重评查已完成并形成评查报告，本年度发改案件实时评查。"),
                        measure("将近三年发改案件中质量评定为重大瑕疵的案件清单报送督察室，严格落实责任追究。",
                                "shenguan", ["duchashi"], due="2020-08-31", result="重大瑕疵案件清单已报送督察室。"),
                        measure("建立院长委托审判监督部门先行对发改案件进行初步审查，报审判委员会讨论决定是否追究"
                                "法官违法审判责任的机制。", "shenguan", ["duchashi"], due="2020-11-30",
                                plan="closed_extended", ext_to="2020-12-20", result="先行审查机制已建立并运行。"),
                    ],
                },
            ],
        },
        {
            "name": "落实新时代党的建设总要求和组织路线方面",
            "problems": [
                {
                    "key": "dangzu",
                    "description": "党组领导核心作用发挥不够充分",
                    "root_cause": "议事决策规则不够健全，院庭长办案表率作用发挥不够，班子成员主动作为意识不强。",
                    "leader": "yuanzhang", "lead": "bangongshi", "support": ["zhengzhibu", "shenguan"],
                    "completed": True,
                    "measures": [
                        measure("出台《党组议事决策规则》和《院长办公会议工作规则》，明确两类会议的议事范围、议事规则、"
                                "参与和列席人员，明确召集部门和记录人员。", "bangongshi", ["zhengzhibu"],
                                due="2020-08-31", rules=2, result="两项规则已经党组会审议通过并印发。"),
                        measure("明确党组决策中调查研究、征求意见、充分酝酿等程序和集体讨论决定的规则，人事任免严格按照"
                                "《党政领导干部选拔任用工作条例》执行。", "zhengzhibu", ["bangongshi"],
                                type="immediate", due="2020-07-31", result="党组决策程序已明确并严格执行。"),
                        measure("充分发挥院庭长带头办案表率作用，配齐法官助理，明确院庭长审判辅助人员配备，"
                                "强化院庭长办案实质化要求。", "shenguan", ["zhengzhibu"], due="2020-10-31",
                                result="院庭长审判辅助人员已配齐，院庭长办案数量和质量纳入考核。"),
                        measure("修订综合绩效考核办法，明确院庭长办案重点任务指标及分案要求。", "zhengzhibu", ["shenguan"],
                                due="2020-09-30", plan="closed_returned", rules=1,
                                result="《综合绩效考核办法》已修订印发。"),
                        measure("完善党组中心组理论学习计划，及时召开巡察整改专题民主生活会，班子成员严肃认真开展"
                                "批评与自我批评。", "bangongshi", ["zhengzhibu", "dangwei"], due="2020-08-31",
                                result="巡察整改专题民主生活会已召开。"),
                        ongoing("组织班子成员学习省高院《关于建设全省法院“五好五强”领导班子实施意见》，明确加强自身建设的"
                                "基本要求。", "zhengzhibu"),
                    ],
                },
                {
                    "key": "yishixingtai",
                    "description": "意识形态工作不够扎实",
                    "root_cause": "意识形态工作责任制落实不到位，领导机制和制度不健全，廉政教育方式单一。",
                    "leader": "yuanzhang", "lead": "zhengzhibu", "support": ["bangongshi", "dangwei"],
                    "completed": True,
                    "measures": [
                        measure("调整意识形态工作领导小组，成立领导小组办公室并实体化运作，明确各部门责任分工，"
                                "通过台账推进责任制落实常态化。", "zhengzhibu", ["bangongshi"], due="2020-08-31",
                                rules=1, result="领导小组及其办公室已调整到位并实体化运作。"),
                        measure("完善意识形态各项制度，召开意识形态工作专题党组会，将意识形态工作责任制落实情况纳入绩效考核。",
                                "zhengzhibu", ["bangongshi"], due="2020-10-31", rules=1,
                                result="今年已召开3次意识形态工作专题党组会，责任制落实情况已纳入绩效考核。"),
                        ongoing("认真落实党管意识形态原则，形成院党组统一领导、有关部门分工负责的工作格局。",
                                "bangongshi", ["zhengzhibu"]),
                        measure("党组书记上廉政党课，组织参加“身边人”犯罪案件庭审观摩、参观廉政教育基地、撰写警示教育"
                                "心得体会，丰富廉政教育方式。", "dangwei", ["duchashi"], due="2020-09-30",
                                result="廉政党课、庭审观摩和警示教育活动均已开展。"),
                    ],
                },
                {
                    "key": "duiwu",
                    "description": "干警队伍建设存在短板",
                    "root_cause": "年轻干部梯队培养不足，员额法官力量不够，激励关怀机制不健全。",
                    "leader": "yuanzhang", "lead": "zhengzhibu", "support": ["dangwei", "shenguan"],
                    "completed": True,
                    "measures": [
                        measure("深化落实“三项机制”，对工作实绩突出的干警进行表彰，树立鲜明用人导向。", "zhengzhibu",
                                type="immediate", due="2020-08-15", result="已对工作实绩突出的干警进行表彰。"),
                        measure("建立优秀年轻干警库并报区委组织部备案，组织年轻干部在线理论学习，"
                                "对考核合格的试用期满公务员定级任职。", "zhengzhibu", ["dangwei"], due="2020-09-30",
                                result="优秀年轻干警库已建立并报区委组织部备案。"),
                        measure("提高员额法官核定数，组织法官助理遴选入额，任命新增员额法官为审判员。", "zhengzhibu",
                                ["shenguan"], due="2020-10-31", plan="closed_extended", ext_to="2020-12-15",
                                result="新增9名法官助理遴选入额，已任命为审判员。"),
                        measure("坚持以会代训，组织法官进社区开展《民法典》学习宣讲活动，开展新任法官助理业务理论达标考核。",
                                "minshi", ["zhengzhibu"], due="2020-11-30",
                                result="开展法官进社区《民法典》宣讲活动10期，法官助理达标考核已完成。"),
                        measure("出台《关于在全院开展“三心”行动做好激励关怀帮扶工作的通知》，统筹推进交流轮岗，"
                                "推荐干警参加援青挂职锻炼。", "zhengzhibu", due="2020-09-30", rules=1,
                                result="通知已印发，推荐1名干警参加援青挂职锻炼。"),
                    ],
                },
                {
                    "key": "dangjian",
                    "description": "基层党建作弱项",
                    "root_cause": "对党建工作重要性认识不高，机关党委作用发挥不充分，支部建设不规范，党建与审判业务融合不够。",
                    "leader": "fuyuanzhang_liu", "lead": "dangwei", "support": ["zhengzhibu", "bangongshi"],
                    "completed": False,
                    "measures": [
                        measure("召开党组会专题研究，明确“以党建带队建，以队建促审判”的党建工作总基调，"
                                "组织赴外地法院学习考察党建工作。", "dangwei", ["bangongshi"], due="2020-09-30",
                                plan="closed", result="党组会已专题研究，党建学习考察已完成。"),
                        measure("机关党委实质化运行，增补调整机关党委委员，建立支部月报告、机关党委每季度一综合检查的"
                                "巡查监督制度。", "dangwei", due="2020-10-31", plan="closed", rules=1,
                                result="机关党委委员已增补，巡查监督制度已建立。"),
                        measure("补选或改选三个支部的支委，明确支委分工，召开支部书记会议加强党务知识培训。", "dangwei",
                                ["zhengzhibu"], due="2020-10-31", plan="closed", result="三个支部支委已改选到位。"),
                        ongoing("严肃会风会纪，严格“无锡先锋”参会考评纪律，党员大会、党课严格履行请假手续。", "dangwei"),
                        measure("完善支部目标责任制，重新细化修订《党支部落实党建工作责任量化考核方案》，"
                                "细化党支部党建工作量考核表。", "dangwei", ["zhengzhibu"], due=-30, plan="in_progress",
                                rules=1),
                        measure("定期举办机关党务人员培训班、党建经验交流会，推动审判业务与党建工作深度融合，"
                                "发挥党员示范岗作用。", "dangwei", due=6, plan="in_progress"),
                        measure("将党建工作台账列入档案管理，年底归档、专人保管，机关党委对各支部台账进行监督评查。",
                                "dangwei", ["bangongshi"], due=40, plan="not_started"),
                    ],
                },
            ],
        },
        {
            "name": "落实巡视巡察、司法巡查等监督发现问题整改方面",
            "problems": [
                {
                    "key": "sifaxuncha",
                    "description": "对司法巡查等发现问题的整改落实不到位",
                    "root_cause": "对以往监督发现问题的整改跟踪不够，存在整改不彻底、销号不严格的情况。",
                    "leader": "fuyuanzhang_liu", "lead": "duchashi", "support": ["zhixing", "shenguan"],
                    "completed": True,
                    "measures": [
                        measure("落实前次中院司法巡查专项整治工作“回头看”，进行责任分解，明确牵头部门和牵头领导，"
                                "逐项对账销号。", "duchashi", ["shenguan"], due="2020-10-31",
                                result="前次司法巡查反馈问题已逐项对账销号。"),
                        ongoing("针对终本案件存在的问题全面整改，保持省高院公布的终本合格率100%。", "zhixing"),
                        measure("党组班子成员对照专项整治四项目标要求对标找差，对尚存差距的5个问题细化措施、限期整改。",
                                "duchashi", ["zhengzhibu"], due="2020-11-30",
                                result="5个问题已在党建、司法作风专项整治、院庭长管理等措施中整改到位。"),
                    ],
                },
            ],
        },
    ],
    "findings": [
        {"text": "统筹推进扫黑除恶专项斗争的力度还不够，“案件清结、伞网清除、黑财清底、线索清查”工作推进不够均衡。",
         "problems": ["saohei"]},
        {"text": "党组领导核心作用发挥不够充分，议事决策规则不健全，院庭长办案表率作用发挥不够。",
         "problems": ["dangzu"]},
        {"text": "意识形态工作不够扎实，意识形态工作责任制落实不到位。", "problems": ["yishixingtai"]},
        {"text": "干警队伍建设存在短板，年轻干部梯队培养不足，员额法官力量不够。", "problems": ["duiwu"]},
        {"text": "“两个责任”落实不到位，对重点环节监督不力，“三重一大”事项决策未充分听取派驻纪检组意见。",
         "problems": ["liangge", "dangzu"]},
        {"text": "执行工作管理不规范：案款管理存在较大风险，超长期案件执行的随意性较大。",
         "problems": ["ankuan", "chaochangqi"]},
        {"text": "发改案件管理监督不够严格，发改案件评查和责任追究落实不到位。", "problems": ["fagai"]},
        {"text": "对司法巡查等发现问题的整改落实不到位，前次中院司法巡查反馈问题仍有整改不彻底的情况。",
         "problems": ["sifaxuncha"]},
        {"text": "主动适应司法体制改革创新的意识还不强，服务保障法治化营商环境的举措不多。", "problems": ["gaige"]},
        {"text": "基层党建仍是弱项，支部建设不规范，党建与审判业务融合不够。", "problems": ["dangjian"]},
        {"text": "践行司法为民、保障群众权益存在差距，长期未结案件较多，执行规范化程度不高，警车特权问题时有发生。",
         "problems": ["siyaweimin"]},
    ],
}

# The inspection fed back 200 days ago: its 2020-12-31 deadline lies a month back, every close-out and
# look-back is in the past, and the three problems still in progress carry today's traffic lights.
INSPECTION_REVIEW = relative_to_today(INSPECTION_REVIEW, feedback_days_ago=200)

# --- (b) 对标找差距: the six gaps of seeds/000 ----------------------------------------------------

BENCHMARKING_REVIEW = {
    "court": "zy",
    "title": "对标苏州法院学习考察找差距整改",
    "source": "benchmarking",
    "issuing_body": "无锡市中级人民法院党组",
    "period_start": "2021-09-14",
    "period_end": "2021-09-15",
    "feedback_date": "2021-09-28",
    "deadline": "2022-06-30",
    "setup_date": "2021-10-08",
    "office": "zy_zhengzhibu",
    "leading_group": "对标找差距工作领导小组：组长 党组书记、院长顾振华；办公室设在政治部。",
    "bulletin_frequency": "manual",
    "categories": [
        {
            "name": "思想观念和精神状态方面",
            "problems": [
                {
                    "key": "sixiang", "description": "“等靠要”思想较重，遇到困难等着上面、靠着外面",
                    "root_cause": "解放思想不够，遇到问题习惯诉苦、抱怨，不从自身找原因。",
                    "leader": "zy_yuanzhang", "lead": "zhengzhibu", "support": ["dangwei"], "completed": True,
                    "measures": [
                        measure("开展“解放思想、对标找差”专题大讨论，各部门查摆“等靠要”思想表现并形成整改清单。",
                                "zhengzhibu", ["dangwei"], due="2021-11-30",
                                result="全院28个部门完成查摆，形成整改清单。"),
                        ongoing("落实“六个聚焦、六个强化”，党组成员带头讲解放思想专题党课。", "dangwei", ["zhengzhibu"]),
                    ],
                },
                {
                    "key": "jingzheng", "description": "争先创优意识不强，遇到问题谈困难、讲条件",
                    "root_cause": "缺少“敢于创唯一，勇于争第一”的竞争状态，不挖潜、不去拼。",
                    "leader": "zy_yuanzhang", "lead": "yanjiushi", "support": ["zhengzhibu"], "completed": True,
                    "measures": [
                        measure("建立争先创优激励机制，对入选最高法院、省高院典型案例和获奖调研成果予以表彰。",
                                "yanjiushi", ["zhengzhibu"], due="2022-01-31", rules=1,
                                result="《争先创优激励办法》已印发，首批表彰典型案例6篇。"),
                        measure("各庭室负责人定期讲解本部门特色工作，讲评本部门审执质效指标。", "shenguan",
                                due="2021-12-31", result="已组织庭长讲评会2次。"),
                    ],
                },
                {
                    "key": "zuofeng", "description": "司法作风不够务实精细，人民法庭诉讼服务站挂牌的多、营业的少",
                    "root_cause": "重形式轻实效，工作安排不够精细，对已汇报的亮点工作缺少跟踪。",
                    "leader": "zy_fuyuanzhang", "lead": "susong", "support": ["lian"], "completed": False,
                    "measures": [
                        measure("推动人民法庭诉讼服务站实体化运行，逐站核查挂牌与营业情况，未运行的限期整改。",
                                "susong", ["lian"], due="2022-03-31", plan="relapsed", ext_to=20,
                                result="全市诉讼服务站已逐站核查，均已实际运行。"),
                        measure("跟班学习干警实行副庭长“导师制”，精细化安排学习计划和党建文化活动。", "zhengzhibu",
                                due="2021-12-31", result="跟班学习干警均已配备导师。"),
                    ],
                },
            ],
        },
        {
            "name": "专业能力和工作成效方面",
            "problems": [
                {
                    "key": "zhuanye", "description": "类案研究不足，结案率、发改率指标长期落后",
                    "root_cause": "办案就案办案，不总结不思考，因质量“返工”增加了案件数。",
                    "leader": "zy_fuyuanzhang", "lead": "shenguan", "support": ["yanjiushi", "minyi"],
                    "completed": True,
                    "measures": [
                        measure("建立类案研究和专业法官会议机制，定期发布类案裁判指引。", "yanjiushi",
                                ["minyi", "shangshi"], due="2022-03-31", rules=1, result="已发布类案裁判指引5期。"),
                        measure("开展发改案件专项评查，分析发改原因并全院通报。", "shenguan", ["minyi"],
                                due="2021-12-31", result="发改案件专项评查报告已通报全院。"),
                    ],
                },
                {
                    "key": "chuangxin", "description": "改革创新不足，信息化赋能审判执行水平低",
                    "root_cause": "就案件办案件，没有把审判职能延伸到社会面，信息化建设停留在“刀耕火种”阶段。",
                    "leader": "zy_fuyuanzhang", "lead": "xinxi", "support": ["zhixing", "susong"],
                    "completed": True,
                    "measures": [
                        measure("开发执行案件短信“通知、提示、监管”功能，主动告知当事人执行进展，提示干警节点程序。",
                                "xinxi", ["zhixing"], due="2022-02-28", plan="closed_extended", ext_to="2022-04-30",
                                result="执行短信通知提示监管功能已上线运行。"),
                        ongoing("推进多元解纷向社会面延伸，引入人民调解员、行业协会参与诉前调解。", "susong", ["lian"]),
                    ],
                },
                {
                    "key": "chengxiao", "description": "审判执行、诉讼服务质效与先进法院差距较大",
                    "root_cause": "前五个方面的差距叠加，审执质效硬目标和服务大局软实力均有不足。",
                    "leader": "zy_fuyuanzhang", "lead": "shenguan", "support": ["zhixing", "shangshi"],
                    "completed": False,
                    "measures": [
                        measure("制定审执质效指标提升方案，对结案率、发改率等指标实行月通报。", "shenguan", ["zhixing"],
                                due="2021-12-31", rules=1, result="质效提升方案已印发，月通报已常态化。"),
                        ongoing("围绕优化营商环境开展“护企暖企”司法服务。", "shangshi"),
                        measure("争创国字号、省字号先进集体和特色品牌。", "bangongshi", ["zhengzhibu"], due=50,
                                plan="in_progress"),
                        measure("开展执行质效攻坚，压降执行案件平均用时。", "zhixing", due=-8, plan="in_progress"),
                    ],
                },
            ],
        },
    ],
    "findings": [
        {"aspect": "思想观念", "problems": ["sixiang"],
         "text": "思想观念上的差距：先进法院敢想的我们不敢想，能想到的我们想不到，想到并做到的我们想到也不敢做。",
         "benchmark_practice": "没有一线城市的资源和特区城市的政策，靠自己绞尽脑汁想办法、跑破脚板干出来。",
         "gap": "“等靠要”思想严重，遇到问题诉苦、抱怨、吐槽，等着上面、靠着外面。"},
        {"aspect": "竞争状态", "problems": ["jingzheng"],
         "text": "竞争状态上的差距：缺少“敢于创唯一，勇于争第一”的精神状态。",
         "benchmark_practice": "见红旗就扛、见牌子就摘；最高法院“十大”案例评选一定要争；庭长亲自讲解本部门工作，烂熟于胸。",
         "gap": "遇到问题就谈困难、讲条件差、基础薄弱，不与最强的拼、与最快的抢。"},
        {"aspect": "专业能力", "problems": ["zhuanye"],
         "text": "专业能力上的差距：办案不总结不思考，效率和效果比较差。",
         "benchmark_practice": "从一案看类案，从一般到全面，一个案件搞深搞透，类似案件办得很快。",
         "gap": "结案率、发改率指标长期落后，因质量“返工”增加案件数，恶性循环。"},
        {"aspect": "创新举措", "problems": ["chuangxin"],
         "text": "创新举措上的差距：创新举措少，法院工作只在法院里面打圈圈。",
         "benchmark_practice": "审判工作拓展到社会面，融入社会组织、人民调解员培训、价格听证；信息化赋能审判执行、诉讼服务，为法官减负。",
         "gap": "就案件办案件，信息化赋能低，停留在“刀耕火种”阶段，没有延伸到社会面。"},
        {"aspect": "司法作风", "problems": ["zuofeng"],
         "text": "司法作风上的差距：作风不够科学、务实、精细。",
         "benchmark_practice": "按司法规律办事，始终为当事人、为法官着想；跟班学习干警每人配一位副庭长导师，安排精细。",
         "gap": "人民法庭诉讼服务站作为亮点向上汇报，实际上挂牌的多、营业的少。"},
        {"aspect": "工作成效", "problems": ["chengxiao"],
         "text": "工作成效上的差距：前五个方面差距大，最后的成效自然就差。",
         "benchmark_practice": "拥有多个国字号法庭和国字号荣誉，审执质效全国领先。",
         "gap": "审判执行、诉讼服务在效率、效果上差距还很大。"},
    ],
}

# Fed back 420 days ago: the relapsed measure was closed, looked back at and reopened before today.
BENCHMARKING_REVIEW = relative_to_today(BENCHMARKING_REVIEW, feedback_days_ago=420)

# --- (c) 主题教育检视整改: 8方面问题 → 17项整改举措 → 6项制度规定 (seeds/004) -------------------------

THEME_EDUCATION_REVIEW = {
    "court": "zy",
    "title": "第二批主题教育调研发现问题检视整改",
    "source": "theme_education",
    "issuing_body": "无锡市中级人民法院主题教育领导小组",
    "period_start": "2023-09-01",
    "period_end": "2023-10-15",
    "feedback_date": "2023-10-20",
    "deadline": "2024-01-31",
    "setup_date": "2023-10-24",
    "office": "zy_zhengzhibu",
    "leading_group": "主题教育领导小组：组长 党组书记、院长顾振华；工作专班设在政治部，建立“六类清单”和每周调度机制。",
    "bulletin_frequency": "weekly",
    "categories": [
        {
            "name": "服务保障发展大局方面",
            "problems": [
                {
                    "key": "xinyong", "description": "涉企执行中信用惩戒、信用修复对涉案企业的影响考虑不够",
                    "leader": "zy_fuyuanzhang", "lead": "zhixing", "support": ["yanjiushi"], "completed": True,
                    "measures": [
                        measure("出台涉企执行信用修复工作指引，对符合条件的失信企业及时屏蔽、删除失信信息。", "zhixing",
                                ["yanjiushi"], due="2023-12-31", rules=1, result="信用修复工作指引已印发。"),
                        measure("对被纳入失信名单的涉案企业开展“一案一评估”，审慎适用信用惩戒措施。", "zhixing",
                                due="2024-01-15", result="已完成涉案企业评估86家。"),
                    ],
                },
                {
                    "key": "qiye", "description": "企业司法需求响应不够及时",
                    "leader": "zy_fuyuanzhang", "lead": "shangshi", "support": ["lian"], "completed": True,
                    "measures": [
                        measure("建立企业司法需求快速响应工作机制，优化“护企暖企”司法服务。", "shangshi", ["lian"],
                                due="2023-12-15", rules=1, result="快速响应机制已建立，走访涉诉企业45家。"),
                        measure("推行协商选定破产管理人，开通涉企诉讼绿色通道。", "lian", ["shangshi"],
                                due="2023-12-31", result="两项举措已入选全省营商环境改革试点首批复制推广经验。"),
                    ],
                },
            ],
        },
        {
            "name": "司法为民方面",
            "problems": [
                {
                    "key": "tuifei", "description": "诉讼费退费不及时",
                    "leader": "zy_fuyuanzhang", "lead": "lian", "support": ["bangongshi"], "completed": True,
                    "measures": [
                        measure("开展诉讼费退费专项清理，逐案核查应退未退诉讼费。", "lian", ["bangongshi"],
                                type="immediate", due="2023-11-15", result="应退未退诉讼费已全部清退。"),
                        measure("建立诉讼费退费办理时限和节点提醒机制。", "lian", due="2023-12-31", rules=1,
                                result="退费及时率已提升至97%。"),
                    ],
                },
                {
                    "key": "changqi", "description": "极少数案件长期未结",
                    "leader": "zy_fuyuanzhang", "lead": "shenguan", "support": ["minyi", "shangshi"],
                    "completed": True,
                    "measures": [
                        measure("开展一年以上长期未结诉讼案件专项清理。", "shenguan", ["minyi", "shangshi"],
                                due="2024-01-31", result="全市法院已清结一年以上长期未结诉讼案件65件。"),
                        measure("长期未结案件实行院庭长包案督办。", "shenguan", due="2023-11-30",
                                result="长期未结案件院庭长包案全覆盖。"),
                        ongoing("每月通报长期未结案件情况。", "shenguan"),
                    ],
                },
                {
                    "key": "xinfang", "description": "涉诉信访化解质效不高",
                    "leader": "zy_yuanzhang", "lead": "lian", "support": ["bangongshi"], "completed": True,
                    "measures": [
                        measure("秉持“1%工作法”理念，以“如我在访”意识推进涉诉信访案件“三降两升”。", "lian",
                                ["bangongshi"], due="2024-01-31", result="信访存量化解率居全省各市法院第一。"),
                        ongoing("院领导开门接待来访群众，落实领导包案化解信访积案。", "bangongshi"),
                    ],
                },
            ],
        },
        {
            "name": "队伍建设和党建工作方面",
            "problems": [
                {
                    "key": "qingnian", "description": "年轻干警和司法辅助人员能力培养不够系统",
                    "leader": "zy_yuanzhang", "lead": "zhengzhibu", "support": ["dangwei"], "completed": True,
                    "measures": [
                        measure("创办“青蓝讲坛”，开展青年理论学习研讨会、读书分享会。", "zhengzhibu", ["dangwei"],
                                due="2023-12-31", result="已举办“青蓝讲坛”4期。"),
                        measure("联合高校共建司法辅助人才培育实践基地，举办全市法院司法辅助人员训练营。", "zhengzhibu",
                                due="2024-01-31", rules=1, result="司法辅助人员训练营已开班。"),
                    ],
                },
                {
                    "key": "ronghe", "description": "党建与审判业务融合不够紧密",
                    "leader": "zy_yuanzhang", "lead": "dangwei", "support": ["zhengzhibu"], "completed": True,
                    "measures": [
                        measure("实施“党建工作标准化工程”，开展党建品牌评选擂台赛。", "dangwei", due="2023-12-31",
                                rules=1, result="党建品牌矩阵已形成。"),
                        ongoing("落实“支部建在庭上、党徽亮在岗上”，推动党支部与业务庭室同频共振。", "dangwei"),
                    ],
                },
                {
                    "key": "diaoyan", "description": "调查研究不够深入，调研成果转化运用不足",
                    "leader": "zy_yuanzhang", "lead": "yanjiushi", "support": ["shenguan"], "completed": True,
                    "measures": [
                        measure("班子成员以“四不两直”方式深入基层一线调研，召开调研成果交流会。", "yanjiushi",
                                type="immediate", due="2023-11-10", result="调研成果交流会已召开。"),
                        measure("建立调研成果转化机制，推动案例入选人民法院案例库。", "yanjiushi", ["shenguan"],
                                due="2024-01-31", rules=1, result="17篇案例入选最高法院典型案例及人民法院案例库。"),
                    ],
                },
            ],
        },
    ],
    "findings": [
        {"text": "调研发现：涉企执行中信用惩戒、信用修复对企业经营影响较大。", "problems": ["xinyong"]},
        {"text": "调研发现：企业反映司法需求响应不够及时。", "problems": ["qiye"]},
        {"text": "调研发现：“诉讼费退费不及时”问题被列为反面典型案例。", "problems": ["tuifei"]},
        {"text": "调研发现：极少数案件长期未结。", "problems": ["changqi"]},
        {"text": "调研发现：涉诉信访存量化解压力较大。", "problems": ["xinfang"]},
        {"text": "调研发现：年轻干警和聘用制干警能力培养不够系统。", "problems": ["qingnian"]},
        {"text": "调研发现：部分支部党建与审判业务“两张皮”。", "problems": ["ronghe"]},
        {"text": "调研发现：调研成果转化运用不足。", "problems": ["diaoyan"]},
    ],
}

# --- a small review at the second basic court, dated relative to today ---------------------------

LIANGXI_REVIEW = {
    "court": "lx",
    "title": "中院司法巡查反馈问题整改",
    "source": "judicial_inspection",
    "issuing_body": "无锡市中级人民法院司法巡查组",
    "period_start": -200,
    "period_end": -190,
    "feedback_date": -180,
    "deadline": 60,
    "setup_date": -175,
    "office": "lx_zhengzhibu",
    "leading_group": "司法巡查整改工作小组：组长 党组书记、院长葛建平。",
    "bulletin_frequency": "monthly",
    "categories": [
        {
            "name": "审判执行管理方面",
            "problems": [
                {
                    "key": "zhongben", "description": "终结本次执行程序案件办理不规范",
                    "leader": "lx_yuanzhang", "lead": "zhixing", "completed": False,
                    "measures": [
                        measure("对照终本案件结案标准，逐案核查财产调查、约谈当事人等程序。", "zhixing", due=-90,
                                plan="closed", result="终本案件逐案核查完毕，不合格案件已恢复执行。"),
                        measure("每半年对终本案件开展财产筛查，发现可供执行财产的及时恢复执行。", "zhixing", due=30,
                                plan="in_progress"),
                    ],
                },
                {
                    "key": "chuangkou", "description": "诉讼服务窗口服务作风不够规范",
                    "leader": "lx_yuanzhang", "lead": "lian", "completed": False,
                    "measures": [
                        measure("落实窗口首问负责、一次性告知制度。", "lian", type="immediate", due=-150, plan="closed",
                                result="首问负责、一次性告知制度已落实。"),
                        measure("在诉讼服务窗口设置服务评价器，按月通报评价结果。", "lian", due=5, plan="in_progress"),
                    ],
                },
            ],
        },
    ],
    "findings": [
        {"text": "司法巡查发现：部分终本案件财产调查不到位，未约谈申请执行人即终结本次执行程序。",
         "problems": ["zhongben"]},
        {"text": "司法巡查发现：诉讼服务窗口存在推诿、告知不全的情况。", "problems": ["chuangkou"]},
    ],
}

REVIEWS = [INSPECTION_REVIEW, BENCHMARKING_REVIEW, THEME_EDUCATION_REVIEW, LIANGXI_REVIEW]

# Texts for progress reports and close-out returns.
PROGRESS_NOTES = {
    "start": [
        "已制定工作方案，明确责任分工和时间节点，正在推进落实。",
        "已召开部门专题会议部署整改，相关材料正在收集整理。",
        "已完成问题梳理，正在起草配套制度。",
    ],
    "middle": [
        "主要工作已完成过半，正在对照整改目标查漏补缺。",
        "配套制度已形成征求意见稿，正在征求各部门意见。",
        "已开展专项检查一次，发现的问题已督促整改。",
    ],
    "done": [
        "整改措施已全部落实到位，佐证材料已上传。",
        "相关制度已印发实施，整改目标已实现，佐证材料已上传。",
        "整改任务已完成，形成整改情况报告，佐证材料已上传。",
    ],
    "ongoing": [
        "按照长期坚持要求持续推进，本期工作已按计划开展。",
        "常态化机制运行正常，本期情况已汇总上报。",
    ],
}
RETURN_REASON = "佐证材料不完整，请补充正式印发的文件文本后重新申请销号。"
EXTENSION_REASON = "涉及多部门协调和上级审批，需延长整改时限。"
EXTENSION_REJECTION = "理由不充分，责任追究须按期落实，不予延期。"
LOOKBACK_HELD = "回头看检查：整改成效巩固，未发现反弹。"
LOOKBACK_RELAPSE = "回头看检查：2个诉讼服务站挂牌后未实际运行，问题反弹。"


# 制度成果: a 《…》 named in a measure's text or result is a rule the court adopted, unless it is a bulletin, a
# request or a law of a higher body.
RULE_NAME = re.compile(r"《([^《》]{2,60})》")
RULE_NOT_OURS = ("通报", "请示", "民法典", "条例", "全省")
