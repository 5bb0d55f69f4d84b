"""The demo county's policy knowledge base: the laws and regulations its replies cite (titles,
文号 and dates as published; the texts are short summaries written for the demo, not the
official wording), answered questions, and reply templates with placeholders."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.cases.models import Case, Subject
from app.extensions import db
from app.knowledge.models import PolicyAnswer, PolicyDocument, PolicyStatus, ReplyTemplate
from app.knowledge.placeholders import unknown_placeholders

# title, 文号, 发布机关, date, subject (None: every subject), status, summary
POLICIES = [
    ("信访工作条例", "", "中共中央、国务院", date(2022, 2, 25), None, PolicyStatus.IN_FORCE,
     "（摘要）信访工作坚持党的全面领导，坚持以人民为中心，坚持落实信访工作责任，坚持依法按政策解决问题，"
     "坚持源头治理化解矛盾。各级机关、单位应当畅通信访渠道，对信访人提出的诉求依法分类处理，"
     "按期书面答复；信访人对处理意见不服的，可以请求复查、复核。2022年5月1日起施行。"),
    ("信访条例", "国务院令第431号", "国务院", date(2005, 1, 10), None, PolicyStatus.REPEALED,
     "（摘要）规定信访渠道、信访事项的提出、受理、办理和督办。自《信访工作条例》2022年5月1日施行起废止，"
     "仅供查阅旧案时参考。"),
    ("中华人民共和国人民调解法", "主席令第三十四号", "全国人民代表大会常务委员会", date(2010, 8, 28), "涉法涉诉",
     PolicyStatus.IN_FORCE,
     "（摘要）人民调解委员会是依法设立的调解民间纠纷的群众性组织。调解遵循自愿、平等、不违背法律法规和"
     "国家政策的原则，不收取任何费用。经人民调解委员会调解达成的调解协议具有法律约束力，"
     "双方当事人可以自调解协议生效之日起三十日内共同向人民法院申请司法确认。"),
    ("劳动保障监察条例", "国务院令第423号", "国务院", date(2004, 11, 1), "劳动社保", PolicyStatus.IN_FORCE,
     "（摘要）县级以上人民政府劳动保障行政部门主管本行政区域内的劳动保障监察工作。任何组织或者个人对违反"
     "劳动保障法律、法规或者规章的行为，有权向劳动保障行政部门举报；劳动者认为用人单位侵犯其劳动保障"
     "合法权益的，有权向劳动保障行政部门投诉。"),
    ("保障农民工工资支付条例", "国务院令第724号", "国务院", date(2019, 12, 30), "劳动社保", PolicyStatus.IN_FORCE,
     "（摘要）农民工有按时足额获得工资的权利。任何单位和个人不得拖欠农民工工资。工程建设领域实行农民工"
     "工资专用账户、实名制管理和工资保证金制度；建设单位未按合同约定及时拨付工程款导致拖欠的，"
     "由建设单位以未结清的工程款为限先行垫付。2020年5月1日起施行。"),
    ("中华人民共和国劳动合同法", "主席令第七十三号", "全国人民代表大会常务委员会", date(2012, 12, 28), "劳动社保",
     PolicyStatus.IN_FORCE,
     "（摘要）建立劳动关系应当订立书面劳动合同。用人单位自用工之日起超过一个月不满一年未与劳动者订立"
     "书面劳动合同的，应当向劳动者每月支付二倍的工资。（2012年修正）"),
    ("工伤保险条例", "国务院令第586号", "国务院", date(2010, 12, 20), "劳动社保", PolicyStatus.IN_FORCE,
     "（摘要）职工发生事故伤害，所在单位应当自事故伤害发生之日起30日内提出工伤认定申请；用人单位未提出的，"
     "工伤职工或者其近亲属可以在1年内直接提出。（2010年修订）"),
    ("国有土地上房屋征收与补偿条例", "国务院令第590号", "国务院", date(2011, 1, 21), "征地拆迁",
     PolicyStatus.IN_FORCE,
     "（摘要）房屋征收应当遵循决策民主、程序正当、结果公开的原则。对被征收人给予的补偿包括被征收房屋价值的"
     "补偿、因征收房屋造成的搬迁、临时安置的补偿和停产停业损失的补偿。被征收房屋价值的补偿，"
     "不得低于类似房地产的市场价格。"),
    ("中华人民共和国土地管理法", "主席令第三十二号", "全国人民代表大会常务委员会", date(2019, 8, 26), "征地拆迁",
     PolicyStatus.IN_FORCE,
     "（摘要）征收土地应当给予公平、合理的补偿，保障被征地农民原有生活水平不降低、长远生计有保障。"
     "征收农用地的土地补偿费、安置补助费标准由省、自治区、直辖市通过制定公布区片综合地价确定。（2019年修正）"),
    ("中华人民共和国农村土地承包法", "主席令第十七号", "全国人民代表大会常务委员会", date(2018, 12, 29), "农村农业",
     PolicyStatus.IN_FORCE,
     "（摘要）耕地的承包期为三十年，承包期届满后再延长三十年。发生土地承包经营纠纷的，双方当事人可以通过"
     "协商解决，也可以请求村民委员会、乡（镇）人民政府等调解解决。（2018年修正）"),
    ("社会救助暂行办法", "国务院令第649号", "国务院", date(2014, 2, 21), "民政救助", PolicyStatus.IN_FORCE,
     "（摘要）国家对共同生活的家庭成员人均收入低于当地最低生活保障标准，且符合当地最低生活保障家庭财产状况"
     "规定的家庭，给予最低生活保障。申请最低生活保障，向户籍所在地的乡镇人民政府、街道办事处提出书面申请。"),
    ("物业管理条例", "国务院令第698号", "国务院", date(2018, 3, 19), "物业房产", PolicyStatus.IN_FORCE,
     "（摘要）业主应当根据物业服务合同的约定交纳物业服务费用。物业服务企业应当按照物业服务合同的约定，"
     "提供相应的服务。（2018年修订）"),
    ("中华人民共和国消费者权益保护法", "主席令第七号", "全国人民代表大会常务委员会", date(2013, 10, 25), "消费维权",
     PolicyStatus.IN_FORCE,
     "（摘要）消费者和经营者发生消费者权益争议的，可以通过与经营者协商和解、请求消费者协会或者依法成立的"
     "其他调解组织调解、向有关行政部门投诉、提请仲裁、向人民法院提起诉讼等途径解决。（2013年修正）"),
    ("医疗纠纷预防和处理条例", "国务院令第701号", "国务院", date(2018, 7, 31), "医疗卫生", PolicyStatus.IN_FORCE,
     "（摘要）发生医疗纠纷，医患双方可以通过自愿协商、申请人民调解、申请行政调解、向人民法院提起诉讼等途径"
     "解决。2018年10月1日起施行。"),
]

ANSWERS = [
    ("在工地干活被拖欠工资，应该找哪个部门？",
     "可以向县人力资源和社会保障局劳动保障监察机构投诉，也可以拨打12345热线。属于工程建设领域的，"
     "施工总承包单位对所承包工程的农民工工资支付负总责，建设单位未拨付工程款的须先行垫付。", "劳动社保", True),
    ("对信访事项的答复意见不满意怎么办？",
     "可以自收到书面答复之日起30日内，请求原办理机关的上一级机关复查；对复查意见不服的，"
     "可以自收到复查意见之日起30日内请求复核。", None, False),
    ("房屋征收补偿标准怎么确定，可以到哪里查？",
     "被征收房屋价值的补偿不低于类似房地产的市场价格，由具有相应资质的房地产价格评估机构评估确定。"
     "征收补偿方案在征收决定公告时一并公布，可在县自然资源局和所在乡镇政务公开栏查阅。", "征地拆迁", False),
    ("家庭困难，怎样申请低保？",
     "向户籍所在地的乡镇人民政府提出书面申请，如实提供家庭收入和财产状况；乡镇人民政府审核后报县民政局审批，"
     "并在村（居）公示。", "民政救助", False),
    ("物业公司服务不到位，业主可以拒交物业费吗？",
     "物业费依物业服务合同约定交纳；对服务质量有异议的，可以先向业主委员会、社区和县住房和城乡建设局反映，"
     "协商不成的可以申请人民调解或者向人民法院起诉，不宜以拒交物业费代替维权。", "物业房产", False),
]

CLOSING = ("    如对本答复意见不服，可以自收到本答复意见书之日起30日内，向本机关的上一级机关请求复查。\n"
           "{承办单位}\n{今日}")

TEMPLATES = [
    ("通用答复意见书", None,
     "{信访人}：\n    您于{登记日期}反映的“{事项}”（编号{编号}）已于{受理日期}受理。经调查核实，现答复如下：\n"
     "    ……\n" + CLOSING),
    ("欠薪问题答复", "劳动社保",
     "{信访人}：\n    您反映的“{事项}”（编号{编号}），我单位于{受理日期}受理后，会同县人力资源和社会保障局"
     "进行了调查。依据《保障农民工工资支付条例》，现答复如下：\n    ……\n" + CLOSING),
    ("征收补偿问题答复", "征地拆迁",
     "{信访人}：\n    您反映的“{事项}”（编号{编号}）已收悉。依据《国有土地上房屋征收与补偿条例》及本县征收补偿方案，"
     "经核实，现答复如下：\n    ……\n" + CLOSING),
    ("导入法律程序告知", "涉法涉诉",
     "{信访人}：\n    您反映的“{事项}”（编号{编号}）属于应当通过诉讼、仲裁等法定途径解决的事项。"
     "根据《信访工作条例》的规定，请您依法向有管辖权的人民法院或仲裁机构提出。"
     "如需法律援助，可向{乡镇}司法所或县法律援助中心申请。\n{承办单位}\n{今日}"),
]


def load_demo_knowledge() -> None:
    subjects = {s.name: s for s in db.session.execute(select(Subject)).scalars()}
    for title, number, issuer, issued, subject, status, body in POLICIES:
        db.session.add(PolicyDocument(
            title=title, doc_number=number or None, issuer=issuer, issued_on=issued,
            subject=subjects.get(subject) if subject else None, status=status.value, body=body,
        ))
    for question, answer, subject, from_case in ANSWERS:
        source = None
        if from_case and subject in subjects:
            source = db.session.execute(
                select(Case).where(Case.subject_id == subjects[subject].id, Case.replied_at.is_not(None))
                .order_by(Case.id).limit(1)
            ).scalar_one_or_none()
        db.session.add(PolicyAnswer(question=question, answer=answer,
                                    subject=subjects.get(subject) if subject else None, source_case=source))
    for name, subject, body in TEMPLATES:
        # The same rule as the template form: every placeholder is one the case fills.
        assert not unknown_placeholders(body), name
        db.session.add(ReplyTemplate(name=name, subject=subjects.get(subject) if subject else None, body=body,
                                     active=True))
    db.session.flush()
