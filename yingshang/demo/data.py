"""The demo district, drawn from the seed reports (东宝区 of 荆门市, with practices of 常德/宜春经开区 and 湘潭)."""

from __future__ import annotations

DEMO_PASSWORD = "Demo@2026yst"

# (code, name, kind, parent code, contact person, contact phone)
DEPARTMENTS: list[tuple[str, str, str, str | None, str, str]] = [
    ("DB", "东宝区人民政府", "district", None, "区政府办", "07242345600"),
    ("YSB", "区优化营商环境领导小组办公室(营商办)", "center", "DB", "刘主任", "13872900001"),
    ("ZDCY", "区重点产业服务中心", "center", "DB", "李声华", "13872900002"),
    ("JXJ", "区经济和信息化局", "bureau", "DB", "高翔", "13872900003"),
    ("XZSP", "区行政审批局", "bureau", "DB", "吴延锋", "13872900004"),
    ("JRZX", "区金融和投融资服务中心", "center", "DB", "吴舒娟", "13872900005"),
    ("GYYQ", "东宝工业园区管委会", "park", "DB", "王彪", "13872900006"),
    ("RSJ", "区人力资源和社会保障局", "bureau", "DB", "周科长", "13872900007"),
    ("SCJG", "区市场监督管理局", "bureau", "DB", "陈科长", "13872900008"),
    ("SWJ", "区商务局", "bureau", "DB", "黄科长", "13872900009"),
    ("NYNC", "区农业农村局", "bureau", "DB", "赵科长", "13872900010"),
    ("CZJ", "区财政局", "bureau", "DB", "钱科长", "13872900011"),
    ("KJJ", "区科学技术局", "bureau", "DB", "孙科长", "13872900012"),
    ("FGJ", "区发展和改革局", "bureau", "DB", "吕科长", "13872900013"),
    ("SWUJ", "国家税务总局荆门市东宝区税务局", "bureau", "DB", "郑科长", "13872900014"),
    ("ZRZY", "区自然资源和规划局", "bureau", "DB", "冯科长", "13872900015"),
    ("ZJJ", "区住房和城乡建设局", "bureau", "DB", "褚科长", "13872900016"),
    ("XZSP-ZHCK", "综合受理窗口", "section", "XZSP", "卫股长", "13872900017"),
    ("XZSP-QYKB", "企业开办股", "section", "XZSP", "蒋股长", "13872900018"),
    ("JXJ-JG", "技术改造股", "section", "JXJ", "沈股长", "13872900019"),
    ("JRZX-RZ", "融资服务股", "section", "JRZX", "韩股长", "13872900020"),
]

# (name, kind)
TOWNSHIPS = [
    ("龙泉街道", "street"),
    ("泉口街道", "street"),
    ("子陵铺镇", "town"),
    ("漳河镇", "town"),
    ("马河镇", "town"),
    ("石桥驿镇", "town"),
    ("牌楼镇", "town"),
    ("栗溪镇", "town"),
    ("仙居乡", "township"),
]

PARKS = ["东宝工业园区", "子陵铺工业园", "漳河新区产业园"]

# The four chains of the seeds' development zones plus the battery chain of the city's action plan.
CHAINS = ["装备制造", "医药化工", "轻工食品", "电力电子", "新能源电池"]

QUALIFICATIONS = [
    ("srdi", "专精特新中小企业"),
    ("little_giant", '专精特新"小巨人"'),
    ("high_tech", "高新技术企业"),
    ("single_champion", "制造业单项冠军"),
    ("tech_sme", "科技型中小企业"),
    ("gazelle", "瞪羚企业"),
]

# Per chain: (industry code, industry name, name stems)
CHAIN_INDUSTRIES: dict[str, list[tuple[str, str, list[str]]]] = {
    "装备制造": [
        ("3441", "泵及真空设备制造", ["泵业", "流体设备"]),
        ("3489", "其他通用零部件制造", ["精密机械", "传动科技", "轴承"]),
        ("3311", "金属结构制造", ["钢构", "重工"]),
    ],
    "医药化工": [
        ("2710", "化学药品原料药制造", ["生物医药", "药业"]),
        ("2614", "有机化学原料制造", ["化工", "新材料"]),
    ],
    "轻工食品": [
        ("1391", "淀粉及淀粉制品制造", ["食品", "农产品加工"]),
        ("1521", "酒的制造", ["酒业"]),
        ("2231", "纸和纸板容器制造", ["包装", "纸业"]),
    ],
    "电力电子": [
        ("3971", "电子元件及组件制造", ["半导体科技", "电子"]),
        ("3829", "其他输配电及控制设备制造", ["电气", "智能控制"]),
    ],
    "新能源电池": [
        ("3841", "锂离子电池制造", ["锂能", "新能源", "电池材料"]),
    ],
}

BRAND_WORDS = [
    "协进",
    "宏图",
    "恒泰",
    "楚天",
    "荆楚",
    "漳河",
    "龙泉",
    "鑫源",
    "华昌",
    "瑞丰",
    "金象",
    "长兴",
    "天和",
    "鼎盛",
    "凯达",
    "明远",
    "正邦",
    "汉江",
    "同创",
    "博大",
    "中晟",
    "佳禾",
    "锦程",
    "兴业",
    "亿达",
    "东方",
    "信达",
    "泰和",
    "福瑞",
    "盛世",
    "晶华",
    "德润",
    "国泰",
    "弘毅",
    "志诚",
    "永安",
    "新星",
    "安普",
    "远航",
    "赛特",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌鹏飞宇浩然"

# One demo account per role: (username, full name, role, department code or None, enterprise index or None, extra)
ACCOUNTS: list[tuple[str, str, str, str | None, int | None, dict]] = [
    ("yingshangban", "营商办 刘协调", "coordinator", "YSB", None, {"can_unmask_personal_data": True}),
    ("jingxin", "经信局 沈工作人员", "department_staff", "JXJ", None, {}),
    ("shenpi", "审批局 卫窗口", "department_staff", "XZSP", None, {}),
    ("zhuanyuan", "服务专员 韩专员", "liaison", "GYYQ", None, {}),
    ("lingdao", "区领导 王领导", "leader", "DB", None, {}),
    ("qiye", "企业管理员 周经理", "enterprise", None, 0, {"is_enterprise_admin": True}),
    ("qiye2", "企业员工 吴专员", "enterprise", None, 0, {}),
    ("sysadmin", "系统管理员", "system_admin", "DB", None, {}),
    ("secadmin", "安全管理员", "security_admin", "DB", None, {}),
    ("auditor", "安全审计员", "auditor", "DB", None, {}),
]
